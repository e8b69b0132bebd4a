from enum import Enum


class Role(str, Enum):
    EDITOR = "EDITOR"
    VIEWER = "VIEWER"
