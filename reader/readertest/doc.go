// Package readertest provides the test doubles of package reader: a faithful virtual My
// Number Card (Card), the test JPKI PKI that issues its certificates (CA, Key), and the vpcd
// serving loop (VPCD, ServeVPCD) that attaches a Card to a real pcscd. Package
// readertest/pcschost runs a private pcscd for tests; package readertest/vscard puts the
// Card behind QEMU's USB CCID reader (usb-ccid + ccid-card-passthru, the VSCard protocol)
// for a guest's pcscd; cmd/vcard is the same card as a process, on either. The behaviour follows the public sources named in package reader's doc; "fact"
// marks what a source states or OpenSC 0.23.0 with vpcd 0.8 showed, "ASSUMED"
// what none settles. The § numbers below are sections of the project's JPKI protocol
// notes (jpki-protocol.md), which cite those sources fact by fact; the vpcd and pcscd
// recipes are those of its PC/SC harness notes (pcsc-harness.md).
//
// # The card
//
// NewCard(Options) builds a card whose zero-value options give a healthy card: ATR
// ATRMyNumber, token JPKIAPICCTOKEN2, auth PIN "1234" (3 tries), sign password "ABC123"
// (5 tries), text-AP PIN = auth PIN, DefaultHolder, certificates valid now from
// DefaultPKI(). ATRJINC offers T=0, which a card behind QEMU's usb-ccid (T=0 only) needs.
// The card is used in-process through Transmit (a reader.Transport) or over
// PC/SC through VPCD. It implements the behaviour table of §9:
//
//   - SELECT by DF name (00 A4 04 0C|00): JPKI, text (券面事項入力補助), visual (券面) and 住基
//     AIDs answer 90 00 (P2=00 adds an FCI 6F{84 AID}); every other AID 6A 82 — answering
//     9000 to all AIDs makes OpenSC bind MuscleApplet (§5.3, fact).
//   - SELECT EF (00 A4 02 0C 02 FID): per AP; unknown FID or no AP selected 6A 82; other P1
//     (e.g. 09) 6A 86. P2=00 returns a small FCP 62{80 size, 83 FID}.
//   - READ BINARY (00 B0 off Le): Le 00 = 256; answers min(Le, rest) + 90 00 (§2.3, fact);
//     offset ≥ size 6B 00; no EF 69 86; key/PIN EF 69 81; missing Le 67 00; short-EF
//     addressing (P1 bit 8) 6A 86; sign cert EF 0001 69 82 until the sign PIN is verified.
//   - VERIFY (00 20 00 80) on the selected PIN EF: right → 90 00 and counter reset; wrong →
//     63 Cx after decrementing; blocked → 69 84; empty (case 1) → 63 Cx without spending a try,
//     also right after a good VERIFY (§2.4, fact). Empty on a blocked PIN: 63 C0 by default,
//     69 84 with Options.BlockedEmptyVerifySW (open question §11.1).
//   - CHANGE REFERENCE DATA (00 24 01 80 new) after VERIFY of that PIN; format checked (6A 80).
//   - SIGN (80 2A 00 80 Lc data 00) on the selected key EF 0017/001A with its own PIN verified:
//     rsa.SignPKCS1v15(nil, key, 0, data) = PKCS#1 v1.5 type 1 padding of the received bytes
//     (§2.5, fact); data > k−11 = 245 bytes or empty → 67 00; not a key EF → 69 85; PIN not
//     verified → 69 82.
//   - Unknown INS 6D 00; CLA 80 with any other INS, or any CLA but 00/80, 6E 00; bytes that
//     are not an APDU 67 00; extended-length commands 67 00 unless Options.ExtendedAPDUs.
//   - Power on, reset (Card.Reset, vpcd 01/02/00) and any SELECT of an AP drop the selection
//     and every verified PIN; counters and PIN values persist.
//
// Assumptions (not settled by the sources, §11): the status words for key/PIN-EF reads
// (69 81), signing without a key EF (69 85), a PIN of the wrong length (treated as a wrong PIN:
// it spends a try), read at offset = size (6B 00), SELECT of another AP dropping all PINs,
// SIGN without Le (served anyway). The sign PIN stays verified for several signatures unless
// Options.SignPINPerSignature.
//
// # Devices (device.go)
//
// Options.Device makes the card an Android phone (token JPKIAPGPSETOKEN, certificate EF
// 000A closed until the auth PIN, only the JPKI AP) or an iPhone (ASSUMED model: token
// JPKIAPIOSTOKEN, no PIN files, certificate and key open once PhoneApproved or Approve
// stands for Face ID, only the JPKI AP); Options.NoPIN makes a 顔認証マイナンバーカード
// (VERIFY answers NoPINSW, default 6A 88, spending nothing; no signature certificate).
// A phone's default ATR is ATRPhone (a PC/SC contactless ATR). device.go says what is
// fact and what is assumed.
//
// # The text AP (券面事項入力補助AP, §3) — our encoding, partly assumed
//
// EF 0001 = FF 10 0C + 12 ASCII digits (fact). EF 0002 = FF 20 { DF21 offsets, DF22 name,
// DF23 address, DF24 birth date, DF25 sex } (tags fact); ASSUMED: the offsets are four 16-bit
// big-endian absolute positions in the EF of the DF22..DF25 TLVs, and DF24 is the Gregorian
// "YYYYMMDD". EF 0003 = FF 30 82 01 4B { DF31 20 SHA-256(EF 0001 as read), DF32 20
// SHA-256(EF 0002 from offsets[0] to the end of the FF20 TLV), DF33 82 01 00 signature } —
// exactly 336 bytes (fact). ASSUMED (the reference leaves it open): DF33 =
// RSASSA-PKCS1-v1_5 with SHA-256 over DF31-value ‖ DF32-value, by the text-AP key
// (Card.TextAPPublicKey). EF 0004 = 7F 21 { 5F 4E issuer id 16 B ‖ subject id 16 B ‖ 82 e ‖
// 81 n, 5F 37 signature } = 568 bytes (layout fact; ASSUMED: tags 82/81 for e/n and 5F37 =
// RSASSA-PKCS1-v1_5 SHA-256 by the test J-LIS key (Card.JLISPublicKey) over the whole 5F4E
// TLV). VerifyTextAttrs checks files in this encoding with the reader's own verifier
// (reader.Card.ReadFourFacts). EF 0005 = FF 40 { DF41 01 00 00 00, DF42 key id }. PINs:
// 0011 (4 digits, 3 tries) opens 0001, 0002, 0003; 照合番号A 0014 (= the My Number) opens
// 0001; 照合番号B 0015 (birth YYMMDD + expiry year + security code) opens 0002. The visual
// and 住基 APs can be selected but hold no EFs.
//
// Invariant for the kiosk's tests: Card.MyNumberAccesses counts every SELECT of text-AP EF
// 0001 and every VERIFY/CHANGE on 照合番号A, answered or not; the kiosk must leave it at 0.
//
// # Certificates (§6)
//
// NewAuthCA/NewSignCA make roots named like J-LIS's (C=JP, O=JPKI, OU=JPKI for user
// authentication | JPKI for digital signature, OU=Japan Agency for Local Authority
// Information Systems) plus CN=madoguchi TEST CA - not J-LIS, each attribute its own RDN,
// RSA-2048, sha256WithRSA, keyUsage keyCertSign+cRLSign, CA:TRUE. IssueAuth: subject C=JP,
// CN=<20 random A–Z0–9>, keyUsage digitalSignature. IssueSign: the holder's facts as
// otherName SAN entries (OIDs 1.2.392.200149.8.5.5.1..6, [0] EXPLICIT UTF8String; birth date
// EYYYYMMDD with the era digit, EraBirthDate), keyUsage digitalSignature+nonRepudiation
// (critical), no extendedKeyUsage (as the one public trace of the real profile, a generator
// of look-alike test certificates, shows; ASSUMED, not J-LIS's published profile);
// IssueSignUsage issues one with other usages for refusal tests.
// ASSUMED: the sign cert's subject mirrors the auth one; policy OIDs from a lower-confidence
// source. Every certificate DER starts 30 82 LL LL (checked at issue: OpenSC sizes files so).
// Key(i) is a process-wide pool of real RSA-2048 keys generated on first use; the card's
// defaults use indices 1000–1003 and DefaultPKI 1100–1101, so tests should use other indices.
//
// # Faults, log, presence
//
// InjectFault arms a Fault (FaultRemove, FaultGarbage, FaultSW, FaultTruncate, FaultDelay)
// on the next command or the N-th matching one (MatchINS, MatchReadAfterStart,
// MatchSelectFID). A removed card (Remove or FaultRemove) fails Transmit with an error
// wrapping reader.ErrCardRemoved; VPCD closes its socket so pcscd reports the slot empty;
// Insert resets the card and VPCD reconnects. Presence gives a reader double the channel
// to wait on for the next change. Fact observed through pcscd 1.9.9 + vpcd 0.8:
// the command interrupted by the removal returns an EMPTY response with no error to the PC/SC
// client; only the next command fails with SCARD_W_REMOVED_CARD. Log/LastLog/Stats record
// every command with its answer (LogEntry.String masks PIN data).
//
// # vpcd
//
// VPCD dials vpcd (the card is the TCP client), reads 2-byte big-endian length frames, sets
// TCP_QUICKACK after the header and after the body (without it vpcd 0.8 + Nagle costs 44 ms
// per APDU), answers control bytes (04 → ATR; 00/01/02 → Card.Reset, no answer) and command
// APDUs, writes each answer in one Write, and redials 200 ms after EOF.
//
// # Readers
//
// A ReaderVariant is the reader between the kiosk and the card; NewReader puts a Card
// behind one as a reader.Transport. ReaderVariants are those the whole flow is tested
// against: extended length passed, refused (an extended command never reaches the card:
// reader.ErrNoExtendedLength, as the PC/SC adapter reports a reader that failed it while
// the card stayed), a slow link (Delay per exchange), a late removal report
// (LateRemoval; commands fail at once). Through pcscd and vpcd, which passes every APDU,
// the card's own options play the reader: Options.ExtendedAPDUs false answers 67 00 to an
// extended command, Options.Delay slows every one.
package readertest
