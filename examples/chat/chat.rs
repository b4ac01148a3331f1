//! The chat's shared state: who is online, the rooms, their histories and
//! the notices big rooms have gathered.
//!
//! One `Chat` per server, shared by every session through `Rc<RefCell<_>>`:
//! the loop is single-threaded, so sessions share it the way asyncio
//! coroutines share a dict. Ground rule: no method awaits, so a borrow never
//! spans an `.await`; and sending to a client never waits (see `outbox`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound::{Excluded, Unbounded};
use std::rc::Rc;

use reel::sync::Event;

use crate::notices::{self, Gathered, Kind};
use crate::outbox::{Outbox, Refused};
use crate::protocol::name_key;

/// The room everyone starts in; it never disappears.
pub const LOBBY: &str = "lobby";

pub struct Chat {
    /// Everyone who has joined, by name.
    users: HashMap<String, User>,
    /// The same names by `name_key` (lowercase): two names that differ only
    /// in case are one name. Looked up to join and to `/msg`, not per line.
    keys: HashMap<String, String>,
    /// Rooms with at least one member, and the lobby.
    rooms: BTreeMap<String, Room>,
    /// How many chat lines each room keeps.
    history_len: usize,
    /// The id of the next session, to tell a name's old owner from its new one.
    next_session: u64,
    /// Set when a room gathers a notice; the notice task then says every
    /// room's gathered notices a second later (`flush_notices`).
    notices_due: Event,
}

struct User {
    /// The room's name, shared with the room's key.
    room: Rc<str>,
    outbox: Outbox,
    /// The session that owns this name.
    session: u64,
}

struct Room {
    /// Each member's name and a handle on its outbox: a broadcast walks
    /// this map and queues the line, with no lookup by name per member.
    members: BTreeMap<String, Outbox>,
    /// The last `history_len` chat lines said here, oldest first.
    history: VecDeque<Rc<str>>,
    /// Notices not said yet (only while the room is big).
    gathered: Gathered,
    /// This room's name, for its members' `User::room`.
    name: Rc<str>,
}

impl Chat {
    /// A chat with an empty lobby; `notices_due` is set whenever a notice
    /// is gathered, for the task that calls `flush_notices`.
    pub fn new(history_len: usize, notices_due: Event) -> Self {
        let mut chat = Chat {
            users: HashMap::new(),
            keys: HashMap::new(),
            rooms: BTreeMap::new(),
            history_len,
            next_session: 1,
            notices_due,
        };
        chat.room_entry(LOBBY);
        chat
    }

    /// A fresh session id.
    pub fn new_session(&mut self) -> u64 {
        self.next_session += 1;
        self.next_session
    }

    /// Whether `name`, in any case, is someone's.
    pub fn is_taken(&self, name: &str) -> bool {
        self.keys.contains_key(&name_key(name))
    }

    /// Adds `name` to the lobby; returns the lobby's history for the newcomer.
    /// The others in the lobby hear about it.
    pub fn join(&mut self, name: &str, outbox: Outbox, session: u64) -> Vec<Rc<str>> {
        let room = self.room_entry(LOBBY);
        room.members.insert(name.to_string(), outbox.clone());
        let history = room.history.iter().cloned().collect();
        let user = User { room: room.name.clone(), outbox, session };
        self.users.insert(name.to_string(), user);
        self.keys.insert(name_key(name), name.to_string());
        let slow = self.notice(LOBBY, Kind::JoinedChat, name, Some(name));
        self.kick_all(slow);
        history
    }

    /// Removes `name` if `session` still owns it, telling its room once
    /// (unless `announce` is false: at shutdown, when everyone is leaving).
    /// Removing it drops its outbox here, so its writer task can finish.
    pub fn leave(&mut self, name: &str, session: u64, announce: bool) {
        if self.users.get(name).is_none_or(|u| u.session != session) {
            return;
        }
        let Some(user) = self.users.remove(name) else { return };
        self.keys.remove(&name_key(name));
        self.leave_room(name, &user.room);
        if announce {
            let slow = self.notice(&user.room, Kind::LeftChat, name, None);
            self.kick_all(slow);
        }
    }

    /// The room `name` is in.
    pub fn room_of(&self, name: &str) -> Option<&str> {
        self.users.get(name).map(|u| &*u.room)
    }

    /// Says `line` (a chat message) to everyone else in `from`'s room and
    /// keeps it in the room's history.
    pub fn say(&mut self, from: &str, line: Rc<str>) {
        let Some(room_name) = self.room_of(from).map(str::to_string) else { return };
        if let Some(room) = self.rooms.get_mut(&room_name) {
            room.history.push_back(line.clone());
            while room.history.len() > self.history_len {
                room.history.pop_front();
            }
        }
        let slow = self.send_to_room(&room_name, line, Some(from));
        self.kick_all(slow);
    }

    /// Moves `name` to `to` (created on demand); returns its history.
    pub fn move_to(&mut self, name: &str, to: &str) -> Vec<Rc<str>> {
        let Some(from) = self.users.get(name).map(|u| u.room.clone()) else { return Vec::new() };
        self.leave_room(name, &from);
        let mut slow = self.notice(&from, Kind::LeftRoom, name, None);
        let outbox = self.users.get(name).map(|u| u.outbox.clone());
        let room = self.room_entry(to);
        if let Some(outbox) = outbox {
            room.members.insert(name.to_string(), outbox);
        }
        let history = room.history.iter().cloned().collect();
        let room_name = room.name.clone();
        if let Some(user) = self.users.get_mut(name) {
            user.room = room_name;
        }
        slow.extend(self.notice(to, Kind::JoinedRoom, name, Some(name)));
        self.kick_all(slow);
        history
    }

    /// The name `name` is known by, whatever its case (`ALICE` -> `alice`).
    pub fn known_as(&self, name: &str) -> Option<&str> {
        self.keys.get(&name_key(name)).map(String::as_str)
    }

    /// Sends `line` to `to` only (its name in any case); the name it went
    /// to, or `None` if there is no such user.
    pub fn tell(&mut self, to: &str, line: Rc<str>) -> Option<String> {
        let to = self.known_as(to)?.to_string();
        let user = self.users.get(&to)?;
        if let Err(why) = user.outbox.send(line) {
            self.kick_all(vec![(to.clone(), why)]);
        }
        Some(to)
    }

    /// Everyone online, sorted.
    pub fn everyone(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.users.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The members of `room`, sorted.
    pub fn members(&self, room: &str) -> Vec<&str> {
        self.rooms
            .get(room)
            .map(|r| r.members.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Each room and how many are in it, by name.
    pub fn rooms(&self) -> Vec<(&str, usize)> {
        self.rooms.iter().map(|(name, room)| (name.as_str(), room.members.len())).collect()
    }

    /// Says every room's gathered notices (the notice task, once a second
    /// at most).
    pub fn flush_notices(&mut self) {
        let due: Vec<String> = self
            .rooms
            .iter()
            .filter(|(_, r)| !r.gathered.is_empty())
            .map(|(n, _)| n.clone())
            .collect();
        for room in due {
            let slow = self.flush_room(&room);
            self.kick_all(slow);
        }
    }

    /// Tells `room` that `name` did `kind`: gathered in a big room, said at
    /// once (to everyone but `except`) in a small one. Returns the members
    /// too slow for it.
    fn notice(&mut self, room: &str, kind: Kind, name: &str, except: Option<&str>) -> Slow {
        let Some(r) = self.rooms.get_mut(room) else { return Vec::new() };
        if notices::is_gathered(notices::room_size(kind, r.members.len())) {
            r.gathered.add(kind, name);
            self.notices_due.set();
            return Vec::new();
        }
        self.send_to_room(room, Rc::from(notices::one(kind, name)), except)
    }

    /// Queues `line` for everyone in `room` but `except`, after the notices
    /// the room has gathered, so that no line overtakes an earlier event.
    /// Never waits; returns the members too slow for it, for `kick_all`.
    fn send_to_room(&mut self, room: &str, line: Rc<str>, except: Option<&str>) -> Slow {
        let mut slow = self.flush_room(room);
        if let Some(r) = self.rooms.get(room) {
            // The members before `except` and after it, in name order: no
            // comparison of names per member.
            let (before, after) = match except {
                Some(name) => (
                    r.members.range::<str, _>((Unbounded, Excluded(name))),
                    Some(r.members.range::<str, _>((Excluded(name), Unbounded))),
                ),
                None => (r.members.range::<str, _>(..), None),
            };
            for (member, outbox) in before.chain(after.into_iter().flatten()) {
                send_to(member, outbox, line.clone(), &mut slow);
            }
        }
        slow
    }

    /// Says the notices `room` has gathered to all its members, including
    /// those they name; returns the members too slow for them.
    fn flush_room(&mut self, room: &str) -> Slow {
        let mut slow = Vec::new();
        let Some(r) = self.rooms.get_mut(room) else { return slow };
        if r.gathered.is_empty() {
            return slow;
        }
        let lines = r.gathered.take_lines();
        let r = &self.rooms[room];
        for line in lines.into_iter().map(Rc::<str>::from) {
            for (member, outbox) in &r.members {
                send_to(member, outbox, line.clone(), &mut slow);
            }
        }
        slow
    }

    /// Disconnects clients that cannot keep up. Their leave notices may
    /// overflow other slow clients, so this works through a list.
    fn kick_all(&mut self, mut slow: Slow) {
        while let Some((name, why)) = slow.pop() {
            let Some(user) = self.users.remove(&name) else { continue };
            match why {
                Refused::Full => {
                    log::warn!("{name} disconnected: outgoing queue full (not reading)")
                }
                Refused::Stalled => {
                    log::warn!("{name} disconnected: a long queue and no progress (not reading)")
                }
                Refused::Gone => log::info!("{name} disconnected: its connection failed"),
            }
            user.outbox.kick();
            self.leave_room(&name, &user.room);
            slow.extend(self.notice(&user.room, Kind::LeftChat, &name, None));
        }
    }

    /// The room called `name`, created empty if there is none.
    fn room_entry(&mut self, name: &str) -> &mut Room {
        self.rooms.entry(name.to_string()).or_insert_with(|| Room {
            members: BTreeMap::new(),
            history: VecDeque::new(),
            gathered: Gathered::default(),
            name: Rc::from(name),
        })
    }

    /// Takes `name` out of `room`; an empty room other than the lobby goes.
    fn leave_room(&mut self, name: &str, room: &str) {
        if let Some(r) = self.rooms.get_mut(room) {
            r.members.remove(name);
            if r.members.is_empty() && room != LOBBY {
                self.rooms.remove(room);
            }
        }
    }
}

/// Members a line was refused for, and why: they are to be kicked.
type Slow = Vec<(String, Refused)>;

/// Queues `line` in `member`'s outbox, noting the member in `slow` if
/// refused.
fn send_to(member: &str, outbox: &Outbox, line: Rc<str>, slow: &mut Slow) {
    if let Err(why) = outbox.send(line) {
        slow.push((member.to_string(), why));
    }
}
