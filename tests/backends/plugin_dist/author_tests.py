"""The plugin author's own test: nasc's conformance class over the plugin."""

from nasc.backends.plugin_contract import PluginContract


class TestChannelScale(PluginContract):
    space = "input [4, 6, 6]"
    terms = ("channel_scale", "Sequential(conv(6), channel_scale(offset=1.0))")


class TestOnSignals(PluginContract):
    space = "input [3, 10]"
    terms = ("channel_scale(offset=-0.5)",)
