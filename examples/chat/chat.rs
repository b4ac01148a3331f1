//! The chat's shared state: who is online, the rooms, their histories.
//!
//! One `Chat` per server, shared by every session through `Rc<RefCell<_>>`:
//! the loop is single-threaded, so sessions share it the way asyncio
//! coroutines share a dict. Ground rule: no method awaits, so a borrow never
//! spans an `.await`; and sending to a client never waits (see `outbox`).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use crate::outbox::Outbox;

/// The room everyone starts in; it never disappears.
pub const LOBBY: &str = "lobby";

pub struct Chat {
    /// Everyone who has joined, by name.
    users: HashMap<String, User>,
    /// Rooms with at least one member, and the lobby.
    rooms: BTreeMap<String, Room>,
    /// How many chat lines each room keeps.
    history_len: usize,
    /// The id of the next session, to tell a name's old owner from its new one.
    next_session: u64,
}

struct User {
    room: String,
    outbox: Outbox,
    /// The session that owns this name.
    session: u64,
}

#[derive(Default)]
struct Room {
    members: BTreeSet<String>,
    /// The last `history_len` chat lines said here, oldest first.
    history: VecDeque<Rc<str>>,
}

impl Chat {
    pub fn new(history_len: usize) -> Self {
        let mut rooms = BTreeMap::new();
        rooms.insert(LOBBY.to_string(), Room::default());
        Chat { users: HashMap::new(), rooms, history_len, next_session: 1 }
    }

    /// A fresh session id.
    pub fn new_session(&mut self) -> u64 {
        self.next_session += 1;
        self.next_session
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.users.contains_key(name)
    }

    /// Adds `name` to the lobby; returns the lobby's history for the newcomer.
    /// The others in the lobby hear about it.
    pub fn join(&mut self, name: &str, outbox: Outbox, session: u64) -> Vec<Rc<str>> {
        self.users.insert(name.to_string(), User { room: LOBBY.to_string(), outbox, session });
        let room = self.rooms.entry(LOBBY.to_string()).or_default();
        room.members.insert(name.to_string());
        let history = room.history.iter().cloned().collect();
        self.announce(LOBBY, &format!("*** {name} joined the chat ***\n"), Some(name));
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
        self.leave_room(name, &user.room);
        if announce {
            self.announce(&user.room, &format!("*** {name} left the chat ***\n"), None);
        }
    }

    /// The room `name` is in.
    pub fn room_of(&self, name: &str) -> Option<&str> {
        self.users.get(name).map(|u| u.room.as_str())
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
        self.broadcast(&room_name, line, Some(from));
    }

    /// Moves `name` to `to` (created on demand); returns its history.
    pub fn move_to(&mut self, name: &str, to: &str) -> Vec<Rc<str>> {
        let Some(from) = self.room_of(name).map(str::to_string) else { return Vec::new() };
        self.leave_room(name, &from);
        self.announce(&from, &format!("*** {name} left the room ***\n"), None);
        if let Some(user) = self.users.get_mut(name) {
            user.room = to.to_string();
        }
        let room = self.rooms.entry(to.to_string()).or_default();
        room.members.insert(name.to_string());
        let history = room.history.iter().cloned().collect();
        self.announce(to, &format!("*** {name} joined the room ***\n"), Some(name));
        history
    }

    /// Sends `line` to `to` only; false if there is no such user.
    pub fn tell(&mut self, to: &str, line: Rc<str>) -> bool {
        let Some(user) = self.users.get(to) else { return false };
        if !user.outbox.send(line) {
            self.kick_all(vec![to.to_string()]);
        }
        true
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
            .map(|r| r.members.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Each room and how many are in it, by name.
    pub fn rooms(&self) -> Vec<(&str, usize)> {
        self.rooms.iter().map(|(name, room)| (name.as_str(), room.members.len())).collect()
    }

    fn announce(&mut self, room: &str, line: &str, except: Option<&str>) {
        self.broadcast(room, Rc::from(line), except);
    }

    /// Queues `line` for everyone in `room` but `except`. Never waits: a
    /// member whose queue is full is kicked once the loop is done.
    fn broadcast(&mut self, room: &str, line: Rc<str>, except: Option<&str>) {
        let Some(room) = self.rooms.get(room) else { return };
        let mut too_slow = Vec::new();
        for member in room.members.iter().filter(|m| Some(m.as_str()) != except) {
            if let Some(user) = self.users.get(member) {
                if !user.outbox.send(line.clone()) {
                    too_slow.push(member.clone());
                }
            }
        }
        self.kick_all(too_slow);
    }

    /// Disconnects clients that cannot keep up. Their leave notices may
    /// overflow other slow clients, so this works through a list.
    fn kick_all(&mut self, mut names: Vec<String>) {
        while let Some(name) = names.pop() {
            let Some(user) = self.users.get(&name) else { continue };
            log::warn!("{name} disconnected: outgoing queue full (a client that does not read)");
            user.outbox.kick();
            let room = user.room.clone();
            self.users.remove(&name);
            self.leave_room(&name, &room);
            let line: Rc<str> = Rc::from(format!("*** {name} left the chat ***\n"));
            if let Some(room) = self.rooms.get(&room) {
                for member in &room.members {
                    if let Some(user) = self.users.get(member) {
                        if !user.outbox.send(line.clone()) {
                            names.push(member.clone());
                        }
                    }
                }
            }
        }
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
