#!/usr/bin/env python3
"""Draws a few ticks of a reel timeline (REEL_TIMELINE=FILE) as an SVG picture.

    python3 doc/timeline.py FILE.json FIRST_TICK LAST_TICK [TITLE] > picture.svg

The top row is the loop: each tick's phases (epoll_wait, dispatch,
fire_expired, run_ready). Below it, one row per task polled in those ticks,
with a box per poll. Arrows run from what woke a task (an I/O event in
dispatch, a timer in fire_expired, another task's poll) to the poll it
caused. Time is not to scale: a wait in epoll_wait gets a fixed width with
its length written in it, and the other phases are stretched so that each
poll can be read. Perfetto (ui.perfetto.dev) shows the same file to scale.
Only the Python standard library is used.
"""

import html
import json
import sys

PHASES = ["epoll_wait", "dispatch", "fire_expired", "run_ready"]
COLORS = {"epoll_wait": "#d9d9d9", "dispatch": "#9ecae1", "fire_expired": "#fdd0a2",
          "run_ready": "#c7e9c0"}
WAIT_W, PHASE_W, POLL_W, GAP = 150, 74, 170, 14
ROW_H, LEFT, TOP, BOX_H = 46, 230, 40, 26


def load(path, first, last):
    events = json.load(open(path))["traceEvents"]
    ticks = {}
    for e in events:
        if e["ph"] == "X" and e["name"].startswith("tick "):
            n = int(e["name"].split()[1])
            if first <= n <= last:
                ticks[n] = (e["ts"], e["ts"] + e["dur"], e["tid"])
    if not ticks:
        sys.exit(f"no ticks {first}..{last} in {path}")
    track = next(iter(ticks.values()))[2]
    lo, hi = min(t[0] for t in ticks.values()), max(t[1] for t in ticks.values())
    inside = [e for e in events if e.get("tid") == track and lo <= e["ts"] <= hi]
    return ticks, inside


def layout(ticks, events):
    """Boxes (x, width) for every phase and poll, and a map from time to x."""
    segments, boxes, x = [], [], LEFT
    for n in sorted(ticks):
        start, end, _ = ticks[n]
        phases = {e["name"]: e for e in events if e["ph"] == "X" and e["name"] in PHASES
                  and start <= e["ts"] <= end}
        polls = sorted((e for e in events if e["ph"] == "X" and e.get("cat") == "poll"
                        and start <= e["ts"] <= end), key=lambda e: e["ts"])
        boxes.append(("tick", f"tick {n}", x, None))
        for name in PHASES:
            p = phases.get(name)
            if p is None:
                continue
            width = WAIT_W if name == "epoll_wait" else PHASE_W
            if name == "run_ready":
                width = max(PHASE_W, len(polls) * (POLL_W + 6) + 6)
            segments.append((p["ts"], p["ts"] + p["dur"], x, width))
            boxes.append(("phase", name, x, width, p))
            if name == "run_ready":
                px = x + 6
                for poll in polls:
                    segments.append((poll["ts"], poll["ts"] + poll["dur"], px, POLL_W))
                    boxes.append(("poll", poll["name"], px, POLL_W, poll))
                    px += POLL_W + 6
            x += width + 2
        x += GAP
    return segments, boxes, x


def x_of(segments, ts):
    """The x of time `ts`: inside the narrowest box that holds it."""
    best = None
    for start, end, x, width in segments:
        if start <= ts <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end, x, width)
    if best is None:
        return None
    start, end, x, width = best
    return x + (width * (ts - start) / (end - start) if end > start else 0)


def short(us):
    if us >= 1000:
        return f"{us / 1000:.1f} ms"
    return f"{us:.0f} µs"


def draw(path, first, last, title):
    ticks, events = load(path, first, last)
    segments, boxes, width = layout(ticks, events)
    tasks = []
    for kind, name, *_ in boxes:
        if kind == "poll" and name not in tasks:
            tasks.append(name)
    row = {name: 1 + i for i, name in enumerate(tasks)}
    height = TOP + ROW_H * (len(tasks) + 1) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 10}" height="{height}" '
           'font-family="sans-serif" font-size="11">',
           '<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/>'
           '</marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="8" y="18" font-size="13" font-weight="bold">{html.escape(title)}</text>',
           f'<text x="8" y="{TOP + 20}" font-weight="bold">the loop</text>']
    for name, r in row.items():
        y = TOP + r * ROW_H + 20
        out.append(f'<text x="8" y="{y}">{html.escape(name)}</text>')
    for kind, name, x, w, *rest in boxes:
        if kind == "tick":
            out.append(f'<text x="{x}" y="{TOP - 4}" fill="#555">{html.escape(name)}</text>')
            continue
        e = rest[0]
        if kind == "phase":
            y, fill = TOP, COLORS[name]
            label = name
            if name == "epoll_wait":
                label = f"epoll_wait {short(e['dur'])}, {e['args']['events']} ev"
        else:
            y, fill = TOP + row[name] * ROW_H, "#74c476"
            label = f"poll {short(e['dur'])}"
        out.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w}" height="{BOX_H}" rx="3" '
                   f'fill="{fill}" stroke="#555" stroke-width="0.5"/>')
        out.append(f'<text x="{x + 4:.1f}" y="{y + 21}">{html.escape(label)}</text>')
    # Arrows start mid-box in their source row and end on the top of the
    # poll they caused, with what woke it written just above that poll.
    polls = [(b[4]["ts"], b[4]["ts"] + b[4]["dur"], b[1]) for b in boxes if b[0] == "poll"]
    ends = {e["id"]: e for e in events if e["ph"] == "f"}
    for s in (e for e in events if e["ph"] == "s"):
        f = ends.get(s["id"])
        if f is None:
            continue
        x1, x2 = x_of(segments, s["ts"]), x_of(segments, f["ts"])
        if x1 is None or x2 is None:
            continue
        owner = [p[2] for p in polls if p[0] <= s["ts"] <= p[1]]
        y1 = TOP + (row[owner[0]] if owner else 0) * ROW_H + 4 + BOX_H / 2
        target = [p[2] for p in polls if abs(p[0] - f["ts"]) < 0.001]
        if not target:
            continue
        y2 = TOP + row[target[0]] * ROW_H + 4
        out.append(f'<path d="M{x1:.1f},{y1:.1f} C{x1:.1f},{y2 - 10:.1f} {x2:.1f},{y1 + 10:.1f} '
                   f'{x2:.1f},{y2:.1f}" fill="none" stroke="#c0392b" stroke-width="1.3" '
                   'marker-end="url(#a)"/>')
        by = s.get("args", {}).get("by", s["name"])
        what = f"spawned by {by}" if s["name"] == "spawned" else by
        out.append(f'<text x="{x2 + 6:.1f}" y="{y2 - 4:.1f}" fill="#c0392b" font-size="10">'
                   f'{html.escape(what)}</text>')
    legend = ("red arrows: what woke a task -> the poll it caused; time not to scale "
              "(made by doc/timeline.py from a REEL_TIMELINE file)")
    out.append(f'<text x="8" y="{height - 12}" fill="#555">{html.escape(legend)}</text>')
    out.append("</svg>")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    title = sys.argv[4] if len(sys.argv) > 4 else f"ticks {sys.argv[2]}-{sys.argv[3]}"
    print(draw(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), title))
