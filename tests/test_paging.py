from allowlist_emulator.engine.paging import window


def test_window_is_the_slice():
    items = {i: f"v{i}" for i in range(10)}
    assert window(items.values(), 0, 3) == ["v0", "v1", "v2"]
    assert window(items.values(), 8, 5) == ["v8", "v9"]
    assert window(items.values(), 10, 5) == []
    assert window(items.values(), 3, 0) == []


def test_window_does_not_walk_past_the_page():
    consumed = []

    def source():
        for i in range(1_000_000):
            consumed.append(i)
            yield i

    assert window(source(), 5, 3) == [5, 6, 7]
    assert len(consumed) == 8


def test_window_past_the_middle_walks_from_the_end_with_the_same_answer():
    items = {i: f"v{i}" for i in range(101)}
    for offset in range(110):
        for limit in (0, 1, 3, 20, 200):
            assert window(items.values(), offset, limit) == list(items.values())[offset:offset + limit], (offset, limit)
    assert window(list(range(10)), 8, 5) == [8, 9]  # lists too
