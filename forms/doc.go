// Package forms is the model of the prefilled application forms (申請書作成, 書かない窓口):
// what a municipality defines (a Form: its fields, which of them the card fills in, how
// tall each box is on A4), the four facts a form is filled with, and the stamp the kiosk
// prints as a QR code so the counter can trust what it reads.
//
// A form is data from the configuration ([[municipality.form]]); Validate says why one
// cannot be offered. A Field either comes from the card (Source: name, address, birth
// date, sex: the 基本4情報 of the 券面事項入力補助AP) or is a blank box the resident fills
// in by hand at the counter.
//
// The Stamp binds the municipality, the form, the kiosk, the four facts and the time.
// Seal encodes it canonically (Encode: one line, fields separated by '|', '%' and '|'
// inside values percent-escaped) and signs the SHA-256 of that text with the kiosk's key
// (the TLS client key: ECDSA, RSA PKCS#1 v1.5 or Ed25519); the QR code carries the text,
// '|' and the signature in unpadded base64url. Verify is what the counter runs: it
// checks the signature with the kiosk's public key and that the stamp was made the same
// day (in JST) as it is read. A stamp is valid only on the day it was printed.
//
// Nothing here logs or stores: the facts are personal and live only in the session and
// on the paper.
package forms
