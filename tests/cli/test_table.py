"""Issue 16, item 8: a roster name's ESC sequence is shown, not obeyed, in a terminal table."""

from bot.cli.table import table


def test_control_characters_in_cells_are_shown_escaped():
    shown = table(["准考证号", "姓名"], [["2026\x1b[2J0001", "张\x1b[31m三\x07"]])
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown.splitlines()[1] == "2026\\x1b[2J0001  张\\x1b[31m三\\x07"
