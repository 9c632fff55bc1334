//! The USB-serial bridges that boards carry, by USB vendor and product id. A table and nothing
//! else: it must not depend on how ports are found.

/// The chip behind a USB VID:PID, for the port list: `chip_name(0x10c4, 0xea60)` is
/// `Some("CP2102/CP2104")`. `None` for a device this table does not know.
pub fn chip_name(vid: u16, pid: u16) -> Option<&'static str> {
    let name = match (vid, pid) {
        // Silicon Labs: NodeMCU DevKit v1.0 ("v2", Amica).
        (0x10c4, 0xea60) => "CP2102/CP2104",
        (0x10c4, 0xea70) => "CP2105",
        (0x10c4, 0xea71) => "CP2108",
        // WCH: LoLin "NodeMCU v3", Wemos D1 mini and most cheap clones.
        (0x1a86, 0x7523) => "CH340",
        (0x1a86, 0x7522) => "CH340",
        (0x1a86, 0x5523) => "CH341",
        (0x1a86, 0x55d4) => "CH9102",
        (0x1a86, 0x55d3) => "CH343",
        (0x1a86, 0x55d2) => "CH342",
        // FTDI.
        (0x0403, 0x6001) => "FT232R",
        (0x0403, 0x6010) => "FT2232",
        (0x0403, 0x6011) => "FT4232",
        (0x0403, 0x6014) => "FT232H",
        (0x0403, 0x6015) => "FT231X",
        // Prolific.
        (0x067b, 0x2303) => "PL2303",
        // Espressif's own USB (ESP32-S2/S3/C3: CDC or the USB-Serial/JTAG unit).
        (0x303a, _) => "ESP32-S2/S3 native USB",
        // Boards whose microcontroller speaks USB CDC itself.
        (0x2341, _) | (0x2a03, _) => "Arduino (USB CDC)",
        (0x2e8a, _) => "Raspberry Pi RP2040 (USB CDC)",
        (0x239a, _) => "Adafruit (USB CDC)",
        _ => return None,
    };
    Some(name)
}
