import torch
from torch import nn


class ChannelScale(nn.Module):
    def __init__(self, channels, offset):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(channels))
        self.offset = offset

    def forward(self, x):
        return x * self.weight.reshape(1, -1, *[1] * (x.dim() - 2)) + self.offset


def make(node, inputs, initial):
    return ChannelScale(inputs[0].features, node.float_attr("offset"))
