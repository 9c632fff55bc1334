//! The keymap: one table per focus, which drives key dispatch, the footer hints and `?` help; and what
//! a mouse event means. Keys never lose the session: letters typed outside the command line go into
//! it, quitting asks once, and while help is open keys only move or close it.

use super::Areas;
use crate::app::{Action, App, Pane};
use crate::i18n::Lang;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// A key as the keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key { code, mods: KeyModifiers::NONE }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), mods: KeyModifiers::CONTROL }
}
const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

impl Key {
    fn matches(&self, e: &KeyEvent) -> bool {
        // Shift is part of the character (`?`, `G`) or of the key itself (Shift-Tab arrives as
        // BackTab, with or without the SHIFT modifier depending on the terminal).
        let mods = e.modifiers - KeyModifiers::SHIFT;
        match (self.code, e.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b && self.mods == mods,
            (KeyCode::BackTab, KeyCode::BackTab) => self.mods == mods,
            (a, b) => a == b && self.mods == e.modifiers,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) { format!("Ctrl-{base}") } else { base }
    }
}

/// One row of a keymap: the keys, what they do, and the words for the footer and help.
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub zh: &'static str,
    pub en: &'static str,
    /// Shown in the footer (the rest only in `?` help).
    pub footer: bool,
}

macro_rules! b {
    ($keys:expr, $action:expr, $zh:literal, $en:literal, $footer:literal) => {
        Binding { keys: const { $keys }, action: $action, zh: $zh, en: $en, footer: $footer }
    };
}

/// Keys that work in every pane, the command line included.
pub fn global_keys() -> Vec<Binding> {
    use Action::*;
    vec![
        b!(&[ctrl('c')], Quit, "退出（再按一次确认）", "quit (press twice)", false),
        b!(&[k(KeyCode::F(1))], ToggleHelp, "帮助", "help", false),
        b!(&[k(KeyCode::F(2))], ToggleStep, "单步", "step", true),
        b!(&[k(KeyCode::F(3))], ReleaseNext, "放行", "release", true),
        b!(&[k(KeyCode::F(4))], DropNext, "丢弃", "drop", true),
        b!(&[k(KeyCode::F(5))], CutHeld, "切断扣住报文的连接", "cut the held frame's link", false),
        b!(&[ctrl('z'), k(KeyCode::F(6))], ToggleZoom, "放大/还原窗格", "zoom the pane", false),
        b!(&[k(KeyCode::F(7))], LessonHint, "课程提示", "lesson hint", false),
        b!(&[k(KeyCode::F(8))], LessonGo, "课程：继续", "lesson: go on", false),
        b!(&[k(KeyCode::F(9))], ToggleScreen, "课程列表/实验室", "lessons / lab", true),
        b!(&[ctrl('l')], ToggleLang, "切换中文/English", "中文/English", false),
    ]
}

/// The digit keys 1–9 (a pane's numbered choices).
const DIGITS: [Key; 9] = [ch('1'), ch('2'), ch('3'), ch('4'), ch('5'), ch('6'), ch('7'), ch('8'), ch('9')];

/// Keys of the panes other than the command line. Letters and digits are not among them: typed in
/// a pane they go to the command line, so a stray word can never switch modes or quit.
pub fn pane_keys(pane: Pane) -> Vec<Binding> {
    use Action::*;
    let mut v = vec![
        b!(&[ch(':'), k(KeyCode::Esc)], Focus(Pane::Command), "命令行", "command line", true),
        b!(&[k(KeyCode::Tab)], FocusNext, "下一个窗格", "next pane", true),
        b!(&[k(KeyCode::BackTab)], FocusPrev, "上一个窗格", "previous pane", false),
        b!(&[ch('?')], ToggleHelp, "帮助", "help", true),
        b!(&[k(KeyCode::Up)], Up, "上移", "up", false),
        b!(&[k(KeyCode::Down)], Down, "下移", "down", false),
        b!(&[k(KeyCode::PageUp)], PageUp, "上翻页", "page up", false),
        b!(&[k(KeyCode::PageDown)], PageDown, "下翻页", "page down", false),
        b!(&[k(KeyCode::Home)], Home, "最早", "oldest", false),
        b!(&[k(KeyCode::End)], End, "最新（跟随）", "newest (follow)", false),
    ];
    if pane == Pane::Serial {
        v.push(b!(
            &[k(KeyCode::Enter)],
            SerialLink,
            "只看这块板的报文（再按：全部）",
            "only this board's frames (again: all)",
            true
        ));
        v.push(b!(&[ctrl('r')], SerialReset, "复位开发板", "reset the board", true));
        v.push(b!(&[k(KeyCode::Left)], SerialBaud(-1), "波特率降一档", "lower baud rate", false));
        v.push(b!(&[k(KeyCode::Right)], SerialBaud(1), "波特率升一档", "higher baud rate", false));
    }
    if pane == Pane::Inspector {
        v.push(b!(&[k(KeyCode::Left)], FieldPrev, "上一个字段", "previous field", true));
        v.push(b!(&[k(KeyCode::Right)], FieldNext, "下一个字段", "next field", true));
    }
    if pane == Pane::Console {
        v.push(b!(&DIGITS, ConsoleToggle(0), "拨动第 N 个开关", "flip switch N", true));
    }
    if pane == Pane::Lesson {
        v.push(b!(&DIGITS, LessonAnswer(0), "选第 N 个答案", "answer choice N", true));
    }
    if pane == Pane::Chart {
        v.push(b!(&[k(KeyCode::Up), k(KeyCode::Down)], Down, "换主题", "other topic", true));
    }
    v
}

/// Keys of the command line (printable characters are typed).
pub fn command_keys() -> Vec<Binding> {
    use Action::*;
    vec![
        b!(&[k(KeyCode::Enter)], Submit, "执行", "run", true),
        b!(&[k(KeyCode::Tab)], Complete, "补全（空行时：下一个窗格）", "complete (on an empty line: next pane)", true),
        b!(&[k(KeyCode::BackTab)], FocusPrev, "上一个窗格", "previous pane", false),
        b!(
            &[k(KeyCode::Esc)],
            Cancel,
            "清空（空行时：去报文检查器）",
            "clear (on an empty line: go to the inspector)",
            false
        ),
        b!(&[k(KeyCode::Up)], HistoryPrev, "上一条命令", "previous command", false),
        b!(&[k(KeyCode::Down)], HistoryNext, "下一条命令", "next command", false),
        b!(&[k(KeyCode::Left)], CursorLeft, "光标左移", "cursor left", false),
        b!(&[k(KeyCode::Right)], CursorRight, "光标右移", "cursor right", false),
        b!(&[k(KeyCode::Home), ctrl('a')], CursorHome, "行首", "line start", false),
        b!(&[k(KeyCode::End), ctrl('e')], CursorEnd, "行尾", "line end", false),
        b!(&[k(KeyCode::Backspace)], Backspace, "删除前一个字", "delete back", false),
        b!(&[k(KeyCode::Delete)], Delete, "删除", "delete", false),
    ]
}

/// Keys while help is open: they only move it or close it.
pub fn help_keys() -> Vec<Binding> {
    use Action::*;
    vec![
        b!(&[k(KeyCode::Esc), ch('?'), ch('q'), k(KeyCode::F(1))], ToggleHelp, "关闭帮助", "close help", true),
        b!(&[k(KeyCode::Up)], HelpScroll(-1), "上移", "up", true),
        b!(&[k(KeyCode::Down)], HelpScroll(1), "下移", "down", true),
        b!(&[k(KeyCode::PageUp)], HelpScroll(-10), "上翻页", "page up", true),
        b!(&[k(KeyCode::PageDown), ch(' ')], HelpScroll(10), "下翻页", "page down", true),
        b!(&[k(KeyCode::Home)], HelpScroll(i32::MIN), "开头", "top", false),
        b!(&[k(KeyCode::End)], HelpScroll(i32::MAX), "末尾", "end", false),
    ]
}

/// Keys of the lesson list (with an empty command line).
pub fn list_keys() -> Vec<Binding> {
    use Action::*;
    vec![
        b!(&[k(KeyCode::Enter)], OpenSelected, "开始这一课", "start this lesson", true),
        b!(&[k(KeyCode::Up)], Up, "上一课", "previous lesson", true),
        b!(&[k(KeyCode::Down)], Down, "下一课", "next lesson", true),
        b!(&[k(KeyCode::PageUp)], PageUp, "上翻页", "page up", false),
        b!(&[k(KeyCode::PageDown)], PageDown, "下翻页", "page down", false),
        b!(&[k(KeyCode::Home)], Home, "第一课", "first lesson", false),
        b!(&[k(KeyCode::End)], End, "最后一课", "last lesson", false),
        b!(&[k(KeyCode::Esc)], ToggleScreen, "自由实验室", "the free lab", true),
        b!(&[ch('?')], ToggleHelp, "帮助", "help", true),
    ]
}

/// The keymap of a focus: its own keys, then the global ones.
pub fn keymap(focus: Pane) -> Vec<Binding> {
    let mut v = if focus == Pane::Command { command_keys() } else { pane_keys(focus) };
    v.extend(global_keys());
    v
}

/// What a key press means in the app's current state.
pub fn handle_key(app: &App, e: &KeyEvent) -> Option<Action> {
    if e.kind == KeyEventKind::Release {
        return None;
    }
    if app.help {
        // A modal page: it moves, closes, or (Ctrl-C) quits; nothing leaks into the panes.
        let quit = global_keys().into_iter().find(|b| b.action == Action::Quit);
        return help_keys().into_iter().chain(quit).find(|b| b.keys.iter().any(|k| k.matches(e))).map(|b| b.action);
    }
    let typed = match e.code {
        KeyCode::Char(c) if !e.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => Some(c),
        _ => None,
    };
    if app.focus == Pane::Command && typed == Some('?') && app.cmd.text.is_empty() {
        return Some(Action::ToggleHelp);
    }
    if app.screen == crate::app::Screen::Lessons && app.cmd.text.is_empty() {
        if let Some(b) = list_keys().into_iter().chain(global_keys()).find(|b| b.keys.iter().any(|k| k.matches(e))) {
            return Some(b.action);
        }
        return typed.map(Action::TypeCommand);
    }
    for b in keymap(app.focus) {
        if b.keys.iter().any(|k| k.matches(e)) {
            // A numbered choice carries the digit pressed.
            if let (Action::ConsoleToggle(_) | Action::LessonAnswer(_), Some(d)) =
                (&b.action, typed.and_then(|c| c.to_digit(10)))
            {
                return Some(match b.action {
                    Action::ConsoleToggle(_) => Action::ConsoleToggle(d as usize),
                    _ => Action::LessonAnswer(d as usize),
                });
            }
            if app.focus == Pane::Command && app.cmd.text.is_empty() {
                match b.action {
                    // Esc on an empty command line leaves it for the inspector; Tab moves on.
                    Action::Cancel => return Some(Action::Focus(Pane::Inspector)),
                    Action::Complete => return Some(Action::FocusNext),
                    _ => {}
                }
            }
            return Some(b.action.clone());
        }
    }
    match (typed, app.focus) {
        (Some(c), Pane::Command) => Some(Action::Input(c)),
        // Typing in a pane types into the command line.
        (Some(c), _) => Some(Action::TypeCommand(c)),
        _ => None,
    }
}

/// What a mouse event means.
pub fn handle_mouse(app: &App, areas: &Areas, m: &MouseEvent) -> Vec<Action> {
    let Some(pane) = areas.pane_at(m.column, m.row) else { return Vec::new() };
    let focus = if pane != app.focus { vec![Action::Focus(pane)] } else { Vec::new() };
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => focus,
        MouseEventKind::ScrollUp => focus.into_iter().chain([Action::Up]).collect(),
        MouseEventKind::ScrollDown => focus.into_iter().chain([Action::Down]).collect(),
        _ => Vec::new(),
    }
}

/// The language-independent check that every binding has words in both languages.
pub fn keymaps_complete(lang: Lang) -> bool {
    Pane::CYCLE.iter().all(|p| keymap(*p).iter().all(|b| !lang.pick(b.zh, b.en).is_empty() && !b.keys.is_empty()))
}
