"""`TreeWalk.from_tree`: an `execwire/walkTree` answer becomes the entries `fs/walk` would
list, and a tree that does not spell canonical paths is refused, never half-believed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execwire import pathuri
from execwire.errors import ProtocolError
from execwire.filesystem import TreeWalk
from execwire.protocol import models


def tree(groups: list[dict[str, Any]], root: str = "file:///r") -> models.FsWalkTreeResponse:
    return models.FsWalkTreeResponse.model_validate(
        {"root": root, "groups": groups, "errors": [], "truncated": False}
    )


def test_entries_are_spelled_below_their_parents() -> None:
    walk = TreeWalk.from_tree(
        tree(
            [
                {"parent": -1, "kinds": "dfd", "names": ["a", "b%20c", "d"]},
                {"parent": 0, "kinds": "f", "names": ["x"]},
                {"parent": 2, "kinds": "d", "names": ["%C3%A9"]},
                {"parent": 4, "kinds": "f", "names": ["deep"]},
            ]
        )
    )
    assert [(entry.uri, entry.is_dir) for entry in walk] == [
        ("file:///r/a", True),
        ("file:///r/b%20c", False),
        ("file:///r/d", True),
        ("file:///r/a/x", False),
        ("file:///r/d/%C3%A9", True),
        ("file:///r/d/%C3%A9/deep", False),
    ]
    assert str(walk.entries[4].path) == "/r/d/é"


@pytest.mark.parametrize(
    ("groups", "root"),
    [
        ([{"parent": 0, "kinds": "f", "names": ["a"]}], "file:///r"),  # parent not listed yet
        ([{"parent": -1, "kinds": "f", "names": ["a"]}, {"parent": 0, "kinds": "f", "names": ["b"]}], "file:///r"),
        ([{"parent": -2, "kinds": "f", "names": ["a"]}], "file:///r"),
        ([{"parent": -1, "kinds": "ff", "names": ["a"]}], "file:///r"),
        ([{"parent": -1, "kinds": "x", "names": ["a"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["a/b"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": [".."]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["%2e"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": [""]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["a b"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["%zz"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["%00"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["a?b"]}], "file:///r"),
        ([{"parent": -1, "kinds": "f", "names": ["a"]}], "file:///"),
        ([{"parent": -1, "kinds": "f", "names": ["a"]}], pathuri.FALLBACK_PREFIX + "L2M6"),
    ],
    ids=[
        "parent-ahead",
        "parent-is-a-file",
        "parent-below-root",
        "kinds-count",
        "kind-letter",
        "slash",
        "dot-dot",
        "encoded-dot",
        "empty",
        "space",
        "bad-escape",
        "nul",
        "query",
        "root-slash",
        "root-fallback",
    ],
)
def test_a_tree_that_spells_no_canonical_path_is_refused(
    groups: list[dict[str, Any]], root: str
) -> None:
    with pytest.raises(ProtocolError):
        TreeWalk.from_tree(tree(groups, root))


NAME = st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))


@given(st.lists(NAME, min_size=1, max_size=8, unique=True))
def test_any_file_name_spells_the_path_from_native_path_gives(names: list[bytes]) -> None:
    segments = [pathuri.path_segment(name) for name in names]
    assert pathuri.canonical_segments(segments)
    for name, segment in zip(names, segments, strict=True):
        assert pathuri.from_native_path(b"/r/" + name) == "file:///r/" + segment
