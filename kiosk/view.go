package kiosk

import (
	"slices"
	"time"

	"madoguchi/center"
	"madoguchi/reader"
)

// Problem is what went wrong, shown on the problem screen with what to do next.
type Problem int

// The problems a resident can meet.
const (
	ProblemNone              Problem = iota
	ProblemOutOfService              // store (queue/disk) or printer not ready before a session
	ProblemClosed                    // outside service hours
	ProblemCancelled                 // the resident cancelled after placing the card
	ProblemCardRemoved               // the card left the reader mid-session
	ProblemCardUnreadable            // the card did not answer properly
	ProblemNotMyNumberCard           // no JPKI application, or an old 住基カード
	ProblemCertExpired               // the user-authentication certificate expired
	ProblemPINLocked                 // no tries left
	ProblemCardSuspended             // certificate revoked or suspended (lost card)
	ProblemCardNotAccepted           // untrusted certificate, bad signature
	ProblemResidentNotFound          // the center knows no resident for this card
	ProblemNotEligible               // e.g. no seal registered, no tax data
	ProblemMovedOut                  // 転出
	ProblemCenterUnreachable         // the center did not answer in time
	ProblemCenterError               // any other refusal or a document that failed verification
	ProblemPaperOut                  // printer out of paper; the session was voided
	ProblemPrinterFailed             // printer failure; the session was voided
	ProblemPaymentFailed             // payment not completed; nothing charged
	ProblemStoreFailed               // journal write failed; nothing printed or charged
	ProblemTimedOut                  // the resident did not answer in time; nothing issued
	ProblemJukiCard                  // an old 住基カード (token JPKIAPICCTOKEN)
	ProblemCertNotYetValid           // the certificate's validity starts later (a card issued today)
	ProblemNoPIN                     // the card has no PIN to verify: a 顔認証マイナンバーカード
	ProblemPhoneNotReady             // an iPhone that did not let the kiosk use its certificate
	ProblemFormNeedsCard             // a phone placed for a prefilled form: only the card has the 券面事項
	ProblemPasswordLocked            // the signing password has no tries left (5 wrong)
)

var problemNames = [...]string{"none", "out-of-service", "closed", "cancelled", "card-removed", "card-unreadable",
	"not-my-number-card", "cert-expired", "pin-locked", "card-suspended", "card-not-accepted",
	"resident-not-found", "not-eligible", "moved-out", "center-unreachable", "center-error", "paper-out",
	"printer-failed", "payment-failed", "store-failed", "timed-out", "juki-card", "cert-not-yet-valid",
	"no-pin", "phone-not-ready", "form-needs-card", "password-locked"}

func (p Problem) String() string {
	if p >= 0 && int(p) < len(problemNames) {
		return problemNames[p]
	}
	return "problem(?)"
}

// Problems lists every problem except ProblemNone.
var Problems = []Problem{ProblemOutOfService, ProblemClosed, ProblemCancelled, ProblemCardRemoved,
	ProblemCardUnreadable, ProblemNotMyNumberCard, ProblemCertExpired, ProblemPINLocked, ProblemCardSuspended,
	ProblemCardNotAccepted, ProblemResidentNotFound, ProblemNotEligible, ProblemMovedOut,
	ProblemCenterUnreachable, ProblemCenterError, ProblemPaperOut, ProblemPrinterFailed, ProblemPaymentFailed,
	ProblemStoreFailed, ProblemTimedOut, ProblemJukiCard, ProblemCertNotYetValid, ProblemNoPIN,
	ProblemPhoneNotReady, ProblemFormNeedsCard, ProblemPasswordLocked}

// Voided reports whether a problem ends a session whose request may have reached the
// center, so the screen says that nothing is charged.
func (p Problem) Voided() bool {
	switch p {
	case ProblemPaperOut, ProblemPrinterFailed, ProblemPaymentFailed, ProblemStoreFailed:
		return true
	}
	return false
}

// Lang is the language of the screens, a BCP 47 tag.
type Lang string

// The languages: Japanese and English, and the languages of Japan's largest groups of
// foreign residents. Japanese and English texts are written in the screens' own tables;
// the others come from their catalogs (internal/i18n), keyed by the English text.
const (
	LangJA     Lang = "ja"
	LangEN     Lang = "en"
	LangZhHans Lang = "zh-Hans" // Chinese, simplified script
	LangZhHant Lang = "zh-Hant" // Chinese, traditional script
	LangKO     Lang = "ko"
	LangVI     Lang = "vi"
	LangTL     Lang = "tl" // Tagalog (Filipino)
	LangPtBR   Lang = "pt-BR"
	LangNE     Lang = "ne"
	LangID     Lang = "id"
	LangES     Lang = "es"
)

// Langs lists every language, in the order the language picker shows them.
var Langs = []Lang{LangJA, LangEN, LangZhHans, LangZhHant, LangKO, LangVI, LangTL, LangPtBR, LangNE, LangID, LangES}

// langNames name each language in its own script, as the language picker shows it.
var langNames = map[Lang]string{
	LangJA:     "日本語",
	LangEN:     "English",
	LangZhHans: "简体中文",
	LangZhHant: "繁體中文",
	LangKO:     "한국어",
	LangVI:     "Tiếng Việt",
	LangTL:     "Tagalog",
	LangPtBR:   "Português (Brasil)",
	LangNE:     "नेपाली",
	LangID:     "Bahasa Indonesia",
	LangES:     "Español",
}

// Name is l's name in its own script ("" for none of Langs), so a resident finds theirs
// whatever the screen's language.
func (l Lang) Name() string { return langNames[l] }

// Valid reports whether l is one of Langs.
func (l Lang) Valid() bool { return slices.Contains(Langs, l) }

// Translated reports whether l's texts come from a catalog (every language but Japanese
// and English).
func (l Lang) Translated() bool { return l.Valid() && l != LangJA && l != LangEN }

// InputKind is what the resident (or technician) did.
type InputKind int

// The inputs the screens send.
const (
	InputNone     InputKind = iota
	InputStart              // touch on the idle screen
	InputLanguage           // toggle Japanese/English (the F1 and l keys; the picker is InputPickLanguage)
	InputSelect             // choose item Arg (municipality or certificate)
	InputOption             // set option Arg (an Option) to On
	InputCopies             // add Arg (+1 or −1) copies
	InputNext               // confirm the order / the fee
	InputBack               // previous screen (choose, options)
	InputCancel             // stop the session
	InputDigit              // PIN digit Arg (0–9)
	InputDelete             // delete the last PIN digit
	InputClear              // clear the PIN
	InputDone               // leave the take or problem screen
	InputTech               // the hidden technician gesture on the idle screen
	InputContinue           // a touch outside the buttons or 続ける: the resident is still there
	InputAnother            // on a refusal: choose another certificate, card still in place
	InputReceipt            // on the take screen: print a receipt for the fee
	InputForms              // on the idle screen: the prefilled forms (forms.go)
	InputChar               // a character Arg (a rune): the password keyboard (A–Z, 0–9), the kana keyboard
	InputDatePart           // the date picker: part Arg (DateYear, DateMonth, DateDay) one up (On) or down
	// The language picker (every screen): Arg 0 opens it, Arg i in 1..len(Langs) chooses
	// Langs[i-1] and closes it, Arg -1 closes it unchanged.
	InputPickLanguage
)

var inputNames = [...]string{"none", "start", "language", "select", "option", "copies", "next", "back", "cancel",
	"digit", "delete", "clear", "done", "tech", "continue", "another", "receipt", "forms", "char", "date-part", "pick-language"}

func (k InputKind) String() string {
	if k >= 0 && int(k) < len(inputNames) {
		return inputNames[k]
	}
	return "input(?)"
}

// Option names one of the certificate options.
type Option int

// The options of the certificates (center.Options).
const (
	OptHousehold    Option = iota + 1 // 住民票: 世帯全員 (On) or 本人のみ (off)
	OptDomicile                       // 住民票: 本籍・筆頭者の記載
	OptRelationship                   // 住民票: 世帯主・続柄の記載
	OptIndividual                     // 戸籍: 個人事項 (On) or 全部事項 (off)
)

// OptionsFor lists the options a certificate type has, in screen order.
func OptionsFor(t center.CertType) []Option {
	switch t {
	case center.ResidentRecord:
		return []Option{OptHousehold, OptDomicile, OptRelationship}
	case center.FamilyRegister:
		return []Option{OptIndividual}
	}
	return nil
}

// Input is one event from the screens. Arg and On depend on Kind.
type Input struct {
	Kind InputKind
	Arg  int
	On   bool
	// Screen is the View.Screen of the screen the input was made on (the screens stamp
	// every tap and key); the engine drops an input made on a screen it has left, so a
	// tap meant for one screen never acts on the next. Zero: not checked.
	Screen uint64
}

// Note is a transient hint on the current screen.
type Note int

// The notes.
const (
	NoteNone           Note = iota
	NoteNeed4Digits         // OK pressed with fewer than 4 digits
	NoteUnavailable         // the chosen certificate is not available now
	NoteRemoveAndPlace      // a card from an earlier session is on the reader: take it and place it again
	NoteMaxCopies           // + pressed at MaxCopies
	NotePINAgain            // another certificate: the card asks for the PIN once more
	NoteTakeFirst           // a touch on the idle screen while a card or certificate is left behind
	NotePasswordLength      // OK pressed with fewer than 6 characters of the signing password
	NoteEntryEmpty          // OK pressed on an application's field with nothing entered
)

// MunicipalityView is one municipality on the screens.
type MunicipalityView struct {
	Code, Name string
	NameEN     string // in Latin letters; "" when the configuration gives none
	Open       bool   // some certificate is available now
	Hours      string // "06:30-23:00"
}

// CertView is one certificate on the choose screen.
type CertView struct {
	Type         center.CertType
	FeeYen       int
	Available    bool   // issued now (hours, weekday, closed days)
	Hours        string // its hours, "09:00-17:00"
	WeekdaysOnly bool
	// From is when it is next available (JST), when not available now and the time is
	// known; zero otherwise (no opening within config.NextOpenSearch, or no clock).
	From      time.Time
	FromToday bool // From is later today
}

// View is everything the screens show: a snapshot that shares nothing with the engine.
// It never holds a PIN digit, a certificate or a document's content.
type View struct {
	Seq     uint64 // increases with every change
	Screen  uint64 // increases each time a screen is entered (never zero once running)
	State   State
	Lang    Lang
	Picking bool // the language picker is open over the screen (InputPickLanguage)
	Problem Problem
	Refusal center.Reason // ProblemNotEligible: why, when the center said
	Another bool          // the problem screen offers another certificate (InputAnother)
	Note    Note

	Municipalities []MunicipalityView
	Municipality   int // index of the chosen one
	Certificates   []CertView
	Cert           center.CertType // chosen certificate ("" before)
	Options        center.Options
	Copies         int
	MaxCopies      int

	CardPresent  bool
	CardLeftover bool          // a card from an ended session is still on the reader
	Device       reader.Device // what the session's card is, once identified (DeviceNone before)
	PaperLeft    bool          // a certificate lies in the output tray after its session (paper-present sensor)
	NoReader     bool          // no card reader can be used (unplugged, PC/SC lost): the idle screen starts nothing

	PINLength int  // digits entered so far (never the digits)
	TriesLeft int  // remaining tries read from the card (without spending one)
	WrongPIN  bool // the last try was wrong

	Fee     int  // total fee from the center's document
	UnitFee int  // per copy
	Pays    bool // the kiosk takes money (a Payer is configured)

	CardGone bool         // on the take screen: the card was already taken
	Receipt  ReceiptState // on the take screen: the receipt for the fee (offered, printing, ...)

	Deadline time.Time // when the current screen times out (zero: no timeout)

	// Technician mode (techmode.go). PINLength and WrongPIN serve its PIN pad too.
	TechEnabled  bool     // the hidden gesture opens technician mode
	OutOfService bool     // the technician switched the kiosk out of service
	TechLines    []string // the menu's last diagnostics or queue report
	TechMessage  string   // the last action's result, e.g. "test page printed"
	TechBusy     bool     // an action is running

	// Prefilled forms (forms.go). PINLength, TriesLeft and WrongPIN serve the text AP's
	// PIN pad too.
	Forms        []FormView // the forms offered; empty: the idle screen offers certificates only
	FormsSession bool       // the session is a forms session
	FormTitle    string     // the chosen form
	FormTitleEN  string
	Facts        []FactView // StateFormConfirm, StateAppReview: the card's facts the form uses, as printed

	// E-applications (eapp.go). PINLength, TriesLeft and WrongPIN serve the signing
	// password's keyboard too (PINLength characters typed, never the characters).
	Electronic       bool        // the chosen form is an electronic application
	Entries          []EntryView // the fields entered on the screen, with what was entered
	EntryAt          int         // StateAppEntry: the field being entered (index into Entries)
	EntryText        string      // StateAppEntry: the field's text so far (digits, kana)
	EntryDate        time.Time   // StateAppEntry on a date field: the picker's date (JST)
	KeyPage          int         // the keyboard's page: the password's letters (0) or digits (1), the kana row
	AppNumber        string      // StateAppTake: the application number
	AppReceiptFailed bool        // StateAppTake: the receipt did not print: the screen shows the number
	AppProblem       bool        // StateProblem: the session was an e-application's (nothing was sent)
}

// OptionOn reports whether option o of the chosen certificate is on.
func (v View) OptionOn(o Option) bool {
	switch o {
	case OptHousehold:
		return v.Options.Household
	case OptDomicile:
		return v.Options.Domicile
	case OptRelationship:
		return v.Options.Relationship
	case OptIndividual:
		return v.Options.Individual
	}
	return false
}
