from enum import StrEnum


class Role(StrEnum):
    EDITOR = "EDITOR"
    VIEWER = "VIEWER"
