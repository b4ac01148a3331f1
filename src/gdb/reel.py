# gdb that speaks reel: pretty-printers for the loop's state and a command,
# `reel-tasks`, that prints the task table of a stopped process.
#
# Shipped inside every binary that links reel (`#![debugger_visualizer]` in
# src/lib.rs puts it in the `.debug_gdb_scripts` section), so gdb loads it by
# itself once its `auto-load safe-path` allows the binary:
#
#     rust-gdb -iex "add-auto-load-safe-path $PWD" --args target/debug/examples/echo
#
# What prints differently (DESIGN.md, "Watch it in gdb"):
#   p *slot  (a task_slot::Task)   task 4 "handler 127.0.0.1:5000" waiting
#   p task_ref                      task 4 "handler 127.0.0.1:5000"
#   p self.ready (in the executor)  the ready queue, each task with its name
#   p core.timers                   due in 59.0 s -> task 4 "handler ..."
#   p *slot  (an io_slot::IoSlot)   readable | writable, reader: task 4 "..."
#   reel-tasks                      every task of every loop, and what it waits on
#
# It finds the loops through reel::event_loop::debugger::LOOPS, and reads Rust's
# Vec, VecDeque and BTreeMap with the providers rust-gdb loads (gdb_providers).

import re
import subprocess
import sys

import gdb
import gdb.printing

try:
    import gdb_providers
except ImportError:  # plain gdb: find rust-gdb's providers through rustc
    try:
        root = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        sys.path.insert(0, root + "/lib/rustlib/etc")
        import gdb_providers
    except Exception:  # noqa: BLE001 - no toolchain: printers say so
        gdb_providers = None

NEEDS = "(reel's printers need rust-gdb's providers)"


def variant(value):
    """The active variant's name of a Rust enum value: `Some`, `Occupied`."""
    text = value.format_string(max_depth=1)
    name = value.type.name or ""
    rest = text[len(name):] if text.startswith(name) else text
    match = re.match(r"::(\w+)", rest)
    return match.group(1) if match else rest


def payload(value):
    """The field of a one-field variant (`Some(x)` -> x), or None."""
    name = variant(value)
    if name in ("None", "Vacant"):
        return None
    return value[name]["__0"]


def rust_string(string):
    vec = string["vec"]
    length = int(vec["len"])
    pointer = gdb_providers.unwrap_unique_or_non_null(vec["buf"]["inner"]["ptr"])
    data = gdb.selected_inferior().read_memory(int(pointer), length)
    return bytes(data).decode("utf-8", "replace")


def rc_inner(rc):
    return gdb_providers.unwrap_unique_or_non_null(rc["ptr"]).dereference()["value"]


def rc_text(rc):
    """The text of an `Rc<String>` or an `Rc<str>`."""
    inner = rc["ptr"]["pointer"]
    if inner.type.code == gdb.TYPE_CODE_PTR:
        return rust_string(inner.dereference()["value"])
    # Rc<str>: a fat pointer, data_ptr and length
    fields = [f.name for f in inner.type.fields()]
    if "data_ptr" in fields:
        length = int(inner["length"])
        target = inner["data_ptr"]
        # RcInner<str> begins with the two counts
        base = int(target) + 2 * gdb.lookup_type("usize").sizeof
        return bytes(gdb.selected_inferior().read_memory(base, length)).decode("utf-8", "replace")
    return str(rc)


def children(value, provider):
    return [child for _, child in provider(value).children()]


def loops():
    """Every running loop's Core, from the table in debugger.rs."""
    table = gdb.parse_and_eval("reel::event_loop::debugger::LOOPS")
    core = gdb.lookup_type("reel::event_loop::context::Core").pointer()
    length = table.type.range()[1] + 1
    for i in range(length):
        address = int(table[i]["v"]["value"])
        if address:
            yield gdb.Value(address).cast(core).dereference()


def tasks_of(core):
    """(key, Task) for every task in the loop's slab."""
    entries = core["executor"]["tasks"]["value"]["value"]["entries"]
    for key, entry in enumerate(children(entries, gdb_providers.StdVecProvider)):
        task = payload(entry)
        if task is not None:
            yield key, task


def task_name(task):
    name = payload(task["name"])
    return rc_text(name) if name is not None else "unnamed"


def find_task(task_id):
    """The name of the task with this id, in any loop; None if gone."""
    for core in loops():
        for _, task in tasks_of(core):
            if int(task["id"]["__0"]) == task_id:
                return task_name(task)
    return None


def named(task_id):
    name = find_task(task_id)
    return 'task {} "{}"'.format(task_id, name) if name is not None else "task {} (gone)".format(task_id)


def waker_task(waker):
    """The task id a reel waker wakes, or None for another kind of waker."""
    data = waker["waker"]["data"]
    if int(data) == 0:
        return None
    task_waker = gdb.lookup_type("reel::event_loop::waker::TaskWaker").pointer()
    try:
        return int(data.cast(task_waker).dereference()["task"]["id"]["__0"])
    except gdb.error:
        return None


def state_word(state):
    return variant(state).lower()


def seconds(instant):
    """A `std::time::Instant` as seconds on the monotonic clock."""
    while "t" not in [f.name for f in instant.type.fields()]:
        instant = instant[instant.type.fields()[0]]
    t = instant["t"]
    nanos = t["tv_nsec"]
    nanos = int(nanos["__0"]) if nanos.type.code == gdb.TYPE_CODE_STRUCT else int(nanos)
    return int(t["tv_sec"]) + nanos / 1e9


def address_text(socket_addr):
    text = str(socket_addr)
    octets = re.search(r"octets: \[(\d+), (\d+), (\d+), (\d+)\]", text)
    port = re.search(r"port: (\d+)", text)
    if octets and port:
        return "{}:{}".format(".".join(octets.groups()), port.group(1))
    return text


def slot_what(slot):
    """What an io_slot::IoSlot is: `("peer", "127.0.0.1:5000")`,
    `("label", "listener ...")`, or None."""
    what = payload(slot["what"])
    if what is None:
        return None
    inner = payload(what)
    if variant(what) == "Peer":
        return "peer", address_text(inner)
    return "label", rc_text(inner)


class TaskPrinter:
    """task_slot::Task: `task 4 "handler 127.0.0.1:5000" waiting`."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        task = self.value
        return 'task {} "{}" {}'.format(int(task["id"]["__0"]), task_name(task),
                                       state_word(task["state"]))


class TaskRefPrinter:
    """task::TaskRef: `task 4 "handler 127.0.0.1:5000"` (slab key 3)."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "{} (slab key {})".format(named(int(self.value["id"]["__0"])), int(self.value["key"]))


class ExecutorPrinter:
    """executor::Executor: its tasks, and the ready queue with names."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        ready = self.value["ready"]["value"]["value"]
        queue = [named(int(r["id"]["__0"]))
                 for r in children(ready, gdb_providers.StdVecDequeProvider)]
        current = payload(self.value["current"]["value"]["value"])
        polling = named(int(current["id"]["__0"])) if current is not None else "none"
        return "executor: ready [{}], polling {}".format(", ".join(queue), polling)

    def children(self):
        core = next((c for c in loops() if c["executor"].address == self.value.address), None)
        if core is None:
            return iter(())
        return (("[{}]".format(key), task) for key, task in tasks_of(core))


class TimersPrinter:
    """timers::Timers: `due in 59.0 s -> task 4 "handler ..."`, nearest first."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        return "{} timers".format(int(self.value["map"]["value"]["value"]["length"]))

    def children(self):
        core = next((c for c in loops() if c["timers"].address == self.value.address), None)
        now = seconds(core["now"]["value"]["value"]) if core is not None else None
        items = children(self.value["map"]["value"]["value"], gdb_providers.StdBTreeMapProvider)
        for i in range(0, len(items) - 1, 2):
            key, waker = items[i], items[i + 1]
            deadline = seconds(key["__0"])
            due = "due in {:.1f} s".format(deadline - now) if now is not None else "due"
            task = waker_task(waker)
            target = named(task) if task is not None else "a waker not reel's"
            yield "[{}]".format(i // 2), "{} -> {}".format(due, target)

    @staticmethod
    def display_hint():
        return "array"


READINESS = ((1, "readable"), (2, "writable"), (4, "closed"))


class IoSlotPrinter:
    """io_slot::IoSlot: `readable | writable, reader: task 4 "..."`."""

    def __init__(self, value):
        self.value = value

    def to_string(self):
        slot = self.value
        bits = int(slot["readiness"])
        ready = " | ".join(word for bit, word in READINESS if bits & bit) or "not ready"
        parts = [ready]
        for side in ("reader", "writer"):
            waker = payload(slot[side])
            if waker is not None:
                task = waker_task(waker)
                parts.append("{}: {}".format(side, named(task) if task is not None else "a waker"))
        what = slot_what(slot)
        if what is not None:
            parts.append(what[1] if what[0] == "label" else "peer " + what[1])
        return ", ".join(parts)


def lookup(value):
    if gdb_providers is None:
        return None
    name = value.type.strip_typedefs().name
    printer = PRINTERS.get(name)
    return printer(value) if printer else None


PRINTERS = {
    "reel::event_loop::task_slot::Task": TaskPrinter,
    "reel::event_loop::task::TaskRef": TaskRefPrinter,
    "reel::event_loop::executor::Executor": ExecutorPrinter,
    "reel::event_loop::timers::Timers": TimersPrinter,
    "reel::event_loop::io_slot::IoSlot": IoSlotPrinter,
}


def waits(core):
    """task id -> what it waits on, from the reactor's slots and the timers."""
    found = {}
    slots = core["reactor"]["slots"]["value"]["value"]["entries"]
    for token, entry in enumerate(children(slots, gdb_providers.StdVecProvider)):
        slot = payload(entry)
        if slot is None:
            continue
        what = slot_what(slot)
        what = what[1] if what is not None else None
        for side, word in (("reader", "read"), ("writer", "write")):
            waker = payload(slot[side])
            task = waker_task(waker) if waker is not None else None
            if task is not None:
                text = "I/O {} {}".format(token, word) + (" ({})".format(what) if what else "")
                found.setdefault(task, []).append(text)
    now = seconds(core["now"]["value"]["value"])
    items = children(core["timers"]["map"]["value"]["value"], gdb_providers.StdBTreeMapProvider)
    for i in range(0, len(items) - 1, 2):
        task = waker_task(items[i + 1])
        if task is not None:
            due = seconds(items[i]["__0"]) - now
            found.setdefault(task, []).append("a timer due in {:.1f} s".format(due))
    return found


class ReelTasks(gdb.Command):
    """reel-tasks: every task of every running reel loop, as reel::tasks() lists them
(id, name, state, and what a waiting task waits on), read from the stopped process."""

    def __init__(self):
        super().__init__("reel-tasks", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if gdb_providers is None:
            print(NEEDS)
            return
        found = False
        for core in loops():
            found = True
            table = list(tasks_of(core))
            print("reel: loop at {}, tick {}, {} tasks".format(
                core.address, int(core["tick"]["value"]["value"]), len(table)))
            on = waits(core)
            current = payload(core["executor"]["current"]["value"]["value"])
            polling = int(current["id"]["__0"]) if current is not None else None
            for _, task in table:
                task_id = int(task["id"]["__0"])
                state = "running" if task_id == polling else state_word(task["state"])
                line = "  task {} ({}) {}".format(task_id, task_name(task), state)
                if state == "waiting":
                    line += " on " + (" and ".join(on.get(task_id, [])) or "something else")
                line += ", {} polls".format(int(task["polls"]))
                print(line)
        if not found:
            print("reel: no loop is running")


def register(objfile):
    gdb.printing.register_pretty_printer(objfile, lookup, replace=True)


register(gdb.current_objfile())
ReelTasks()
