//! Serial layer tests: bytes in pieces, lines out; chip names; identities; state codes.

use super::*;
use crate::i18n::{Lang, check_bilingual};

fn push_all(a: &mut LineAssembler, pieces: &[&[u8]]) -> Vec<String> {
    pieces.iter().flat_map(|p| a.push(p)).collect()
}

// ---- lines ------------------------------------------------------------------------------------

#[test]
fn every_line_ending_ends_one_line() {
    let mut a = LineAssembler::new(1024);
    assert_eq!(a.push(b"one\r\ntwo\nthree\rfour\r\n\r\n"), ["one", "two", "three", "four", ""]);
    assert_eq!(a.pending(), None);
    assert_eq!(a.push(b"\n"), [""], "a newline after a finished CRLF is an empty line of its own");
}

#[test]
fn crlf_split_across_pushes_is_one_line_ending() {
    let mut a = LineAssembler::new(1024);
    assert_eq!(a.push(b"WiFi connected\r"), ["WiFi connected"]);
    assert_eq!(a.push(b"\nIP address: \r"), ["IP address: "]);
    assert_eq!(a.push(b"\n"), Vec::<String>::new());
    assert_eq!(a.push(b"192.168.1.7\r\n"), ["192.168.1.7"]);
}

#[test]
fn a_character_split_across_pushes_is_joined() {
    let mut a = LineAssembler::new(1024);
    let text = "温度 25°C ✓ 🚗".as_bytes();
    // Every possible cut, and one byte at a time.
    for cut in 0..text.len() {
        let lines = push_all(&mut a, &[&text[..cut], &text[cut..], b"\r\n"]);
        assert_eq!(lines, ["温度 25°C ✓ 🚗"], "cut at {cut}");
    }
    let mut lines = Vec::new();
    for b in text.iter().chain(b"\n") {
        lines.extend(a.push(std::slice::from_ref(b)));
    }
    assert_eq!(lines, ["温度 25°C ✓ 🚗"]);
}

#[test]
fn pending_shows_the_unfinished_line_without_a_half_character() {
    let mut a = LineAssembler::new(1024);
    assert_eq!(a.pending(), None);
    assert!(a.push(b"Connecting to wifi").is_empty());
    assert_eq!(a.pending().as_deref(), Some("Connecting to wifi"));
    a.push(b"...");
    assert_eq!(a.pending().as_deref(), Some("Connecting to wifi..."));
    a.push(&"✓".as_bytes()[..2]);
    assert_eq!(a.pending().as_deref(), Some("Connecting to wifi..."), "half a ✓ is not shown");
    assert_eq!(a.push(&"✓".as_bytes()[2..]), Vec::<String>::new());
    assert_eq!(a.pending().as_deref(), Some("Connecting to wifi...✓"));
    assert_eq!(a.push(b"\r\n"), ["Connecting to wifi...✓"]);
    assert_eq!(a.pending(), None);
}

#[test]
fn flush_ends_the_unfinished_line() {
    let mut a = LineAssembler::new(1024);
    assert_eq!(a.flush(), None);
    a.push(b"..........");
    assert_eq!(a.flush().as_deref(), Some(".........."));
    assert_eq!(a.flush(), None);
    a.push(&"é".as_bytes()[..1]);
    assert_eq!(a.flush().as_deref(), Some("\u{FFFD}"), "an incomplete character at the end is replaced");
    a.push(b"x\r");
    assert_eq!(a.flush(), None);
    assert_eq!(a.push(b"\ny\n"), ["", "y"], "after a flush, a newline is a line of its own");
}

#[test]
fn garbage_bytes_become_replacement_characters_and_never_panic() {
    let mut a = LineAssembler::new(1024);
    let garbage: Vec<u8> = (0x80..=0xffu8).collect();
    let lines = a.push(&garbage);
    assert!(lines.is_empty());
    let pending = a.pending().expect("garbage is shown");
    assert!(pending.chars().all(|c| c == '\u{FFFD}'), "{pending:?}");
    // One replacement per byte: none of 0x80..=0xFF alone starts a valid sequence with the next byte.
    assert_eq!(pending.chars().count(), String::from_utf8_lossy(&garbage).chars().count());
    assert_eq!(a.push(b"\r\nhello world #1\r\n"), [pending.as_str(), "hello world #1"]);
}

#[test]
fn control_characters_other_than_tab_are_shown_as_replacements() {
    let mut a = LineAssembler::new(1024);
    assert_eq!(a.push(b"a\0b\x07c\td\x1b[0m\x7f\n"), ["a\u{FFFD}b\u{FFFD}c\td\u{FFFD}[0m\u{FFFD}"]);
    // C1 controls, even as valid UTF-8 (U+0085), are not shown either.
    assert_eq!(a.push("x\u{85}y\n".as_bytes()), ["x\u{FFFD}y"]);
}

#[test]
fn invalid_sequences_are_replaced_like_from_utf8_lossy() {
    let cases: &[&[u8]] = &[
        b"\xe2\x82",               // a truncated three-byte character
        b"\xe2\x82x",              // … interrupted by ASCII
        b"\xc0\x80",               // overlong NUL
        b"\xed\xa0\x80",           // a surrogate
        b"\xf4\x90\x80\x80",       // beyond U+10FFFF
        b"\xf0\x9f\x9a",           // a truncated emoji
        b"ok\xff\xfe\xe2\x82\xac", // garbage, then a euro sign
    ];
    for &case in cases {
        let mut a = LineAssembler::new(1024);
        let mut bytes = case.to_vec();
        bytes.push(b'\n');
        let expected = String::from_utf8_lossy(case).into_owned();
        assert_eq!(a.push(&bytes), std::slice::from_ref(&expected), "{case:x?}");
        // The same bytes one at a time.
        let mut a = LineAssembler::new(1024);
        let lines: Vec<String> = bytes.iter().flat_map(|b| a.push(std::slice::from_ref(b))).collect();
        assert_eq!(lines, [expected], "{case:x?} byte by byte");
    }
}

#[test]
fn a_long_line_is_cut_into_pieces_of_at_most_max_line() {
    let mut a = LineAssembler::new(8);
    assert_eq!(a.push(b"0123456789abcdefXY\n"), ["01234567", "89abcdef", "XY"]);
    assert_eq!(a.push(b"01234567\n"), ["01234567"], "exactly max_line is one line, no empty one after it");
    // Cuts fall between characters: ✓ is three bytes.
    let lines = a.push("ab✓✓✓✓\n".as_bytes());
    assert_eq!(lines, ["ab✓✓", "✓✓"]);
    assert!(lines.iter().all(|l| l.len() <= 8));
    // Garbage counts by what is shown (U+FFFD is three bytes).
    let lines = a.push(&[0xff; 10]);
    assert!(lines.iter().all(|l| l.len() <= 8), "{lines:?}");
    assert_eq!(lines.len(), 4);
    // A silly limit still fits one character.
    let mut tiny = LineAssembler::new(0);
    assert_eq!(tiny.push("🚗🚗\n".as_bytes()), ["🚗", "🚗"]);
}

#[test]
fn the_boot_rom_at_the_wrong_baud_then_the_sketch() {
    // What 115200 makes of the ROM's 74880-baud burst: bytes of all kinds, NUL and CR among them.
    let mut a = LineAssembler::new(1024);
    let rom: &[u8] = b"\x00\xe0\x1c\x8c\xf2n\x9c\x0c\x8c\x0c\x8cl\xec\x8c\r\x12\x92\x0e\x8c\x00";
    let mut lines = a.push(rom);
    lines.extend(a.push(b"\r\n\r\nConnecting to lab-wifi\r\n"));
    assert_eq!(lines.last().map(String::as_str), Some("Connecting to lab-wifi"));
    assert!(lines.iter().all(|l| !l.chars().any(|c| c.is_control() && c != '\t')));
}

#[test]
fn bauds_include_the_rom_and_the_sketch() {
    assert!(BAUDS.contains(&BOOT_ROM_BAUD));
    assert!(BAUDS.contains(&DEFAULT_BAUD));
    assert!(BAUDS.windows(2).all(|w| w[0] < w[1]));
}

// ---- chips ------------------------------------------------------------------------------------

#[test]
fn chips_of_nodemcu_boards_and_friends() {
    assert_eq!(chip_name(0x10c4, 0xea60), Some("CP2102/CP2104"));
    assert_eq!(chip_name(0x1a86, 0x7523), Some("CH340"));
    assert_eq!(chip_name(0x1a86, 0x7522), Some("CH340"));
    assert_eq!(chip_name(0x1a86, 0x5523), Some("CH341"));
    assert_eq!(chip_name(0x1a86, 0x55d4), Some("CH9102"));
    assert_eq!(chip_name(0x1a86, 0x55d3), Some("CH343"));
    assert_eq!(chip_name(0x0403, 0x6001), Some("FT232R"));
    assert_eq!(chip_name(0x0403, 0x6015), Some("FT231X"));
    assert_eq!(chip_name(0x0403, 0x6010), Some("FT2232"));
    assert_eq!(chip_name(0x067b, 0x2303), Some("PL2303"));
    assert_eq!(chip_name(0x303a, 0x1001), Some("ESP32-S2/S3 native USB"));
    assert_eq!(chip_name(0x303a, 0x0002), Some("ESP32-S2/S3 native USB"));
    assert_eq!(chip_name(0x2341, 0x0043), Some("Arduino (USB CDC)"));
    assert_eq!(chip_name(0x1d6b, 0x0002), None, "a USB hub is no serial chip");
}

// ---- identity ---------------------------------------------------------------------------------

fn id(s: &str) -> Option<Identity> {
    Some(Identity::ClientId(s.into()))
}

fn mac(s: &str) -> Option<Identity> {
    Some(Identity::Mac(s.into()))
}

#[test]
fn client_ids_on_a_line_of_their_own() {
    assert_eq!(identity("esp8266-5C:CF:7F:12:34:56"), id("esp8266-5C:CF:7F:12:34:56"));
    assert_eq!(identity("ESP8266Client-1a2b"), id("ESP8266Client-1a2b"));
    assert_eq!(identity("  ESP32Client-ff01\t"), id("ESP32Client-ff01"));
    assert_eq!(identity("Attempting MQTT connection...connected"), None);
    assert_eq!(identity("Publish message: hello world #1"), None);
    assert_eq!(identity("esp8266"), None, "a bare word is no id");
    assert_eq!(identity(""), None);
}

#[test]
fn a_label_and_its_id_on_one_line() {
    assert_eq!(identity("ClientId: ESP8266Client-1a2b"), id("ESP8266Client-1a2b"));
    assert_eq!(identity("Client ID:esp8266-5C:CF:7F:12:34:56"), id("esp8266-5C:CF:7F:12:34:56"));
    assert_eq!(identity("MQTT client_id = \"car-01\""), id("car-01"));
    assert_eq!(identity("ClientId:"), None, "a bare label needs the next line");
}

#[test]
fn macs_anywhere_in_a_line() {
    assert_eq!(identity("MAC: 5C:CF:7F:12:34:56"), mac("5C:CF:7F:12:34:56"));
    assert_eq!(identity("mac address is 5c-cf-7f-ab-cd-ef."), mac("5C:CF:7F:AB:CD:EF"));
    assert_eq!(identity("5c:cf:7f:12:34:56"), mac("5C:CF:7F:12:34:56"));
    assert_eq!(identity("5C:CF:7F:12:34:56:78"), None, "seven pairs are no MAC");
    assert_eq!(identity("5C:CF:7F-12:34:56"), None, "mixed separators are no MAC");
    assert_eq!(identity("load 0x4010f000, len 3424, room 16"), None);
}

#[test]
fn the_tracker_takes_the_line_after_a_label() {
    let mut t = IdentityTracker::new();
    assert_eq!(t.line("WiFi connected"), None);
    assert_eq!(t.line("ClientId:"), None);
    assert_eq!(t.line(""), None, "an empty line in between is skipped");
    assert_eq!(t.line("car"), id("car"), "whatever the id looks like");
    assert_eq!(t.line("car"), None, "only the line right after the label");
    assert_eq!(t.line("Client ID: "), None);
    assert_eq!(t.line("Attempting MQTT connection...connected"), None, "a sentence is no id");
    assert_eq!(t.line("lamp-7"), None, "and the label is forgotten after it");
    assert_eq!(t.line("ClientId: ESP8266Client-00ff"), id("ESP8266Client-00ff"));
    assert_eq!(t.line("MAC: 5C:CF:7F:12:34:56"), mac("5C:CF:7F:12:34:56"));
    assert_eq!(t.line("esp8266-5C:CF:7F:12:34:56"), id("esp8266-5C:CF:7F:12:34:56"));
}

// ---- state codes ------------------------------------------------------------------------------

fn code(line: &str) -> Option<i8> {
    explain_state(line, &StateContext::new()).map(|n| n.code)
}

#[test]
fn every_form_sketches_print() {
    assert_eq!(code("Attempting MQTT connection...failed, rc=-2 try again in 5 seconds"), Some(-2));
    assert_eq!(code("rc=-2"), Some(-2));
    assert_eq!(code("RC = 4"), Some(4));
    assert_eq!(code("failed (rc: -4)"), Some(-4));
    assert_eq!(code("state -4"), Some(-4));
    assert_eq!(code("state() = 5"), Some(5));
    assert_eq!(code("state()=-3"), Some(-3));
    assert_eq!(code("MQTT Server Connect Failed. Client State:-2"), Some(-2));
    assert_eq!(code("Client State: -2"), Some(-2));
    assert_eq!(code("state: 4"), Some(4));
    assert_eq!(code("STATE:0"), Some(0));
    assert_eq!(code("mqtt state = -1"), Some(-1));
}

#[test]
fn lines_without_a_state_code() {
    assert_eq!(code("Publish message: hello world #1"), None);
    assert_eq!(code("state 9"), None, "not a PubSubClient code");
    assert_eq!(code("state -12"), None);
    assert_eq!(code("rc=123"), None);
    assert_eq!(code("src=2"), None);
    assert_eq!(code("statement 3"), None);
    assert_eq!(code("state 4x"), None);
    assert_eq!(code("WiFi state: 3"), None);
    assert_eq!(code(" ets Jan  8 2013,rst cause:2, boot mode:(3,6)"), None);
    assert_eq!(code("rc="), None);
}

#[test]
fn each_code_names_its_constant_in_both_languages_on_two_short_lines() {
    for c in -4..=5i8 {
        let line = format!("failed, rc={c} try again in 5 seconds");
        let note = explain_state(&line, &StateContext::new()).expect("a note");
        assert_eq!(note.code, c);
        let name = state::state_name(c).unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let text = note.text.get(lang);
            assert!(text.starts_with(name), "{text}");
            assert_eq!(text.lines().count(), 2, "{text}");
            for l in text.lines() {
                assert!(crate::i18n::display_width(l) <= 90, "too long for the pane: {l}");
            }
        }
        check_bilingual(&note.text.zh, &note.text.en).unwrap();
    }
}

#[test]
fn the_causes_follow_the_reference_table() {
    let en = |c: i8| explain_state(&format!("rc={c}"), &StateContext::new()).unwrap().text.en;
    assert!(en(-4).contains("CONNACK") && en(-4).contains("PINGREQ"));
    assert!(en(-3).contains("same id") && en(-3).contains("loop()") && en(-3).contains("22.5"));
    assert!(en(2).contains("MQTT_VERSION_3_1") && en(2).contains("23"));
    assert!(en(3).contains("connection limit"));
    assert!(en(5).contains("mosquitto"));
}

#[test]
fn no_tcp_is_explained_with_what_the_lab_knows() {
    let explain = |ctx: &StateContext| explain_state("failed, rc=-2 try again in 5 seconds", ctx).unwrap().text;
    // The sketch points at the board itself.
    let mut ctx = StateContext::new();
    ctx.observe("Server Address: 127.0.0.1");
    assert_eq!(ctx.server_seen.as_deref(), Some("127.0.0.1"));
    let t = explain(&ctx);
    assert!(t.en.contains("127.0.0.1") && t.en.contains("the board itself"), "{}", t.en);
    assert!(t.zh.contains("开发板自己"), "{}", t.zh);
    ctx.observe("mqtt_server = localhost");
    assert!(explain(&ctx).en.contains("localhost"));
    // The lab is on loopback only.
    let mut ctx = StateContext::new();
    ctx.observe("Connecting to MQTT broker 192.168.1.20");
    assert_eq!(ctx.server_seen.as_deref(), Some("192.168.1.20"));
    assert!(explain(&ctx).en.contains("--lan"));
    // Another port than the lab's.
    ctx.lab_on_lan = true;
    ctx.observe("Server Address: 192.168.1.20:1884");
    assert!(explain(&ctx).en.contains("port 1884") && explain(&ctx).en.contains("1883"));
    // Nothing specific.
    let ctx = StateContext { lab_on_lan: true, ..StateContext::new() };
    let t = explain(&ctx);
    assert!(t.en.contains("firewall") && t.en.contains("1883"), "{}", t.en);
    check_bilingual(&t.zh, &t.en).unwrap();
    assert_eq!(StateContext::default().lab_port, 0);
    assert_eq!(StateContext::new().lab_port, 1883);
}

#[test]
fn server_addresses_sketches_print() {
    assert_eq!(server_address("Server Address: 192.168.1.20").as_deref(), Some("192.168.1.20"));
    assert_eq!(server_address("MQTT server: broker.local").as_deref(), Some("broker.local"));
    assert_eq!(server_address("Broker = \"10.0.0.5\"").as_deref(), Some("10.0.0.5"));
    assert_eq!(server_address("Connecting to MQTT broker 192.168.1.20:1883...").as_deref(), Some("192.168.1.20:1883"));
    assert_eq!(server_address("IP address: 192.168.1.7"), None, "the board's own address");
    assert_eq!(server_address("MQTT Server Connect Failed. Client State:-2"), None);
}
