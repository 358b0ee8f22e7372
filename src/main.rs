fn main() {
    println!("lbtop: under construction");
}
