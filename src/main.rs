fn main() {
    println!("mqtt-lab");
}
