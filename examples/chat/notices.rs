//! The `*** ... ***` notices of joins and leaves, and how a big room
//! gathers them into one line per kind instead of one line per event.
//!
//! Why: in a room of N members, N joins cost N²/2 notice lines, one per
//! join per member. For 10,000 clients that is 50 million lines (2 GB of
//! output, from a few hundred kilobytes of input), which no client reads
//! fast enough. So above [`BIG_ROOM`] members, a room gathers its notices
//! for a second and says them as `*** alice, bob, carol and 97 others
//! joined the chat ***` (the exact rule is in PROTOCOL.md).
//!
//! Ground rule: pure, like `protocol`: std only, no reel, no chat state.

use std::collections::BTreeSet;

/// A room with more members than this, counting the one who comes or
/// goes, gathers its notices. Up to it, notices go out one by one as they
/// always did: a burst of 100 joins costs at most 4,950 lines in all.
pub const BIG_ROOM: usize = 100;

/// How many names a gathered notice lists before `and N others`.
const NAMES_LISTED: usize = 3;

/// What happened to a member, as a notice says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Came online, into the lobby.
    JoinedChat,
    /// Moved here with `/join`.
    JoinedRoom,
    /// Moved away with `/join`.
    LeftRoom,
    /// Went offline: `/quit`, EOF, a reset, or disconnected as too slow.
    LeftChat,
}

impl Kind {
    /// In the order a flush says them.
    const ALL: [Kind; 4] = [Kind::JoinedChat, Kind::JoinedRoom, Kind::LeftRoom, Kind::LeftChat];

    fn words(self) -> &'static str {
        match self {
            Kind::JoinedChat => "joined the chat",
            Kind::JoinedRoom => "joined the room",
            Kind::LeftRoom => "left the room",
            Kind::LeftChat => "left the chat",
        }
    }

    fn is_leave(self) -> bool {
        matches!(self, Kind::LeftRoom | Kind::LeftChat)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// True if a notice in a room of `room_size` (see [`room_size`]) is
/// gathered rather than said at once.
pub fn is_gathered(room_size: usize) -> bool {
    room_size > BIG_ROOM
}

/// The room's size counting the member the notice is about: after a join
/// the member is in `members` already, after a leave it is gone from it.
pub fn room_size(kind: Kind, members: usize) -> usize {
    members + usize::from(kind.is_leave())
}

/// The notice for one member: `*** alice joined the chat ***\n`.
pub fn one(kind: Kind, name: &str) -> String {
    format!("*** {name} {} ***\n", kind.words())
}

/// The notice for several members, sorted: `*** alice joined the chat
/// ***\n`, `*** alice and bob ...`, `*** alice, bob and carol ...`, then
/// `*** alice, bob, carol and 1 other ...`, `... and 97 others ...`.
pub fn many<'a>(kind: Kind, names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let listed: Vec<&str> = names.take(NAMES_LISTED).collect();
    let who = match (listed.as_slice(), total - listed.len()) {
        ([one], 0) => one.to_string(),
        ([first @ .., last], 0) => format!("{} and {last}", first.join(", ")),
        (_, 1) => format!("{} and 1 other", listed.join(", ")),
        (_, others) => format!("{} and {others} others", listed.join(", ")),
    };
    format!("*** {who} {} ***\n", kind.words())
}

/// The notices a big room has gathered since it last said them: the net
/// change of its membership. A member who comes and goes within one
/// gathering is not mentioned at all, nor one who goes and comes back.
#[derive(Debug, Default)]
pub struct Gathered {
    /// The names, by `Kind::index`, sorted. Invariant: a name is in at
    /// most one set, because one member's events in a room alternate
    /// between a join and a leave, and a leave cancels a pending join (and
    /// the other way round).
    names: [BTreeSet<String>; 4],
}

impl Gathered {
    /// Nothing to say.
    pub fn is_empty(&self) -> bool {
        self.names.iter().all(BTreeSet::is_empty)
    }

    /// Notes that `name` did `kind`, cancelling its opposite if pending.
    pub fn add(&mut self, kind: Kind, name: &str) {
        let opposite: &[Kind] = if kind.is_leave() {
            &[Kind::JoinedChat, Kind::JoinedRoom]
        } else {
            &[Kind::LeftRoom, Kind::LeftChat]
        };
        for other in opposite {
            if self.names[other.index()].remove(name) {
                return;
            }
        }
        self.names[kind.index()].insert(name.to_string());
    }

    /// The lines to say, one per kind that has names, and forgets them.
    pub fn take_lines(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        for kind in Kind::ALL {
            let names = std::mem::take(&mut self.names[kind.index()]);
            if !names.is_empty() {
                lines.push(many(kind, names.iter().map(String::as_str)));
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_reads_as_a_single_notice_and_more_are_counted() {
        let names = |n: usize| (0..n).map(|i| format!("u{i:03}")).collect::<Vec<_>>();
        let line = |n| {
            let names = names(n);
            many(Kind::JoinedChat, names.iter().map(String::as_str))
        };
        assert_eq!(line(1), one(Kind::JoinedChat, "u000"));
        assert_eq!(line(2), "*** u000 and u001 joined the chat ***\n");
        assert_eq!(line(3), "*** u000, u001 and u002 joined the chat ***\n");
        assert_eq!(line(4), "*** u000, u001, u002 and 1 other joined the chat ***\n");
        assert_eq!(line(100), "*** u000, u001, u002 and 97 others joined the chat ***\n");
    }

    #[test]
    fn a_gathering_says_the_net_change_sorted_one_line_per_kind() {
        let mut gathered = Gathered::default();
        for name in ["carol", "alice", "dave", "bob", "erin"] {
            gathered.add(Kind::JoinedChat, name);
        }
        gathered.add(Kind::LeftChat, "dave"); // came and went: not mentioned
        gathered.add(Kind::LeftChat, "zed");
        gathered.add(Kind::JoinedRoom, "zed"); // went and came back
        gathered.add(Kind::LeftRoom, "yves");
        assert_eq!(
            gathered.take_lines(),
            [
                "*** alice, bob, carol and 1 other joined the chat ***\n",
                "*** yves left the room ***\n"
            ]
        );
        assert!(gathered.is_empty() && gathered.take_lines().is_empty());
    }

    #[test]
    fn rooms_above_the_bound_gather() {
        assert!(!is_gathered(room_size(Kind::JoinedChat, BIG_ROOM)));
        assert!(is_gathered(room_size(Kind::JoinedChat, BIG_ROOM + 1)));
        assert!(!is_gathered(room_size(Kind::LeftChat, BIG_ROOM - 1)));
        assert!(is_gathered(room_size(Kind::LeftChat, BIG_ROOM)));
    }
}
