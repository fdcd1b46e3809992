// Package gpio drives the kiosk's printer-side sensors and indicators through
// periph.io: a paper-low (near-end) sensor, the cabinet door switch, the card-slot
// LED and a buzzer for "take your card".
//
// # Concepts
//
// A Panel is built from periph gpio.PinIn / gpio.PinOut values, so tests pass
// gpiotest pins and the appliance passes pins from gpioreg (OpenHost does
// host.Init and the lookups by name from the config). Any pin may be nil: that
// part is not wired. Inputs are configured with a pull-up and both-edge detection;
// by default the paper-low sensor and the door switch are active-low (a closed
// contact pulls the line to ground: paper present = High, door closed = Low).
// Diagnose is the GPIO section of `kiosk diag`: it reads the inputs only, never the
// outputs the running kiosk may be driving.
//
// # Invariants
//
//   - Close (and the end of every reminder) leaves the LED and the buzzer off.
//   - Reading a sensor never blocks; waiting for the door takes a context.
package gpio
