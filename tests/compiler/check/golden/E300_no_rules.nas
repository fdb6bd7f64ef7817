# A file with declarations but no rules.
import std
input [3, 32, 32]
param classes = 10
