//! Colours and styles, in one place so that NO_COLOR can turn every colour off: with NO_COLOR set
//! the panes use only bold, reverse and underline, never a colour.

use ratatui::style::{Color, Modifier, Style};

/// The palette in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless the NO_COLOR convention asks otherwise (`no_color` = the variable is set and not empty).
    pub fn new(no_color: bool) -> Theme {
        Theme { color: !no_color }
    }

    pub fn from_env() -> Theme {
        Theme::new(std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()))
    }

    fn fg(&self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }

    /// The border and title of the focused pane.
    pub fn focused(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
    pub fn border(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn dim(&self) -> Style {
        if self.color { Style::new().fg(Color::DarkGray) } else { Style::new().add_modifier(Modifier::DIM) }
    }
    pub fn error(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    /// The selected row of a list.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn key(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
    pub fn client_to_broker(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn broker_to_client(&self) -> Style {
        self.fg(Color::Magenta)
    }
    pub fn held(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    /// The colour of field number `i` of a frame in the hex dump. Neighbouring fields get different
    /// colours; without colour, fields alternate between plain and underlined.
    pub fn field(&self, i: usize) -> Style {
        const PALETTE: [Color; 6] =
            [Color::Cyan, Color::Green, Color::Yellow, Color::Magenta, Color::Blue, Color::LightRed];
        if self.color {
            Style::new().fg(PALETTE[i % PALETTE.len()])
        } else if i % 2 == 1 {
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        }
    }

    /// The highlighted field (under the field cursor) in the hex dump and the field tree.
    pub fn field_cursor(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}
