"""Script pictures: Mermaid text from transitions, and the SVG page seen in headless Chromium."""

from bot.reports.graph import mermaid_text, render_graph_page
from bot.services.app import App
from bot.services.settings import Settings

LIB = App(Settings.resolve()).library
# A complaint scenario when the library has one: its endings include an escalation.
SCENARIO = next(iter(LIB.by_kind("complaint")), None) or LIB.get("presale-dress-size")


def test_mermaid_text_lists_every_state_and_move():
    text = mermaid_text(SCENARIO)
    assert text.splitlines()[3] == "stateDiagram-v2"
    for name in SCENARIO.states:
        assert f'state "{name}" as {name}' in text
    assert f"[*] --> {SCENARIO.start}" in text


def test_page_shows_states_endings_and_arrows():
    page = render_graph_page(SCENARIO)
    for name in SCENARIO.states:
        assert f">{name}" in page
    assert page.count("<path d=") >= sum(
        len({r.go for r in s.on}) for s in SCENARIO.states.values()
    )
    assert "结局：" in page


def test_graph_page_renders_in_chromium(tmp_path, chromium):
    html = tmp_path / "graph.html"
    html.write_text(render_graph_page(SCENARIO), encoding="utf-8")
    shot = tmp_path / "graph.png"
    dom = chromium(html.as_uri(), "--dump-dom").stdout
    assert "<svg" in dom and all(f">{name}" in dom for name in SCENARIO.states)
    chromium(html.as_uri(), "--window-size=1200,1400", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 10_000  # a drawn page, not a blank one
