package config

import (
	_ "embed"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"madoguchi/center"
	"madoguchi/forms"
)

// CertType is the wire name of a certificate type, shared with the center protocol.
type CertType = center.CertType

// CertTypes lists every certificate type a kiosk can offer, in the order the choose screen
// shows them.
var CertTypes = []CertType{
	center.ResidentRecord,
	center.ResidentRecordItems,
	center.SealRegistration,
	center.FamilyRegister,
	center.FamilyRegisterAnnex,
	center.TaxIncome,
}

// Config is a whole, validated kiosk configuration. Paths in it are absolute: relative
// paths in the file are resolved against the file's directory.
type Config struct {
	File           string // absolute path of the file it was loaded from; "" when built in code
	Kiosk          Kiosk
	Municipalities []Municipality
	Reader         Reader
	Printer        Printer
	GPIO           GPIO
	Reminder       Reminder
	Center         Center
	Timeouts       Timeouts
	Queue          Queue
	Status         Status
	Screen         Screen
	Voice          Voice
	Keypad         Keypad
	Display        Display

	name  string         // File as given to Load or Parse, for messages
	lines map[string]int // key path → line in File, for messages
}

// Kiosk is the [kiosk] section: who and where this terminal is.
type Kiosk struct {
	ID       string // required: sent to the center with every request
	Location string // required: free text for technicians and the center
	Language string // a BCP 47 tag of internal/i18n's Tags ("ja" default): the language the idle screen returns to
	// Translations is a folder of corrections to the built-in translations, one
	// <tag>.json per language (internal/i18n's catalog format, only the texts to
	// change); "" none. A file with a mistake is logged and the built-in texts are used.
	Translations string
	LogLevel     slog.Level // default slog.LevelInfo ("info")
	MaxCopies    int        // copies per request, 1–10; default 10
	// TechnicianPIN opens technician mode on the screen (hidden gesture, then this PIN):
	// 6 to 12 digits; "" (default) disables technician mode. Never logged or shown.
	TechnicianPIN string
}

// Municipality is one [[municipality]] table: a local government whose certificates the
// kiosk issues.
type Municipality struct {
	Code         string        // 6-digit 全国地方公共団体コード with its check digit
	Name         string        // shown to residents, e.g. 見本市
	NameEN       string        // in Latin letters for the English screens, e.g. "Mihon City"; "" shows Name
	Hours        Hours         // default DefaultHours (06:30-23:00)
	Closed       []Closure     // default DefaultClosures (12-29..01-03)
	Certificates []Certificate // at least one
	// Forms are the prefilled application forms the kiosk prints for this municipality
	// ([[municipality.form]], package forms); none: the idle screen offers certificates only.
	Forms []forms.Form
}

// Certificate is one [[municipality.certificate]] table.
type Certificate struct {
	Type         CertType
	FeeYen       int   // fee per copy in yen, 0–10000
	Hours        Hours // zero: the municipality's hours
	WeekdaysOnly bool  // closed on Saturdays and Sundays (many municipalities restrict 戸籍)
}

// Reader is the [reader] section.
type Reader struct {
	// NamePattern selects the PC/SC reader by name; nil means the first reader found.
	NamePattern *regexp.Regexp
	// TextIssuerKey is the PEM public key (RSA) of J-LIS that signs the certificate of the
	// 券面事項入力補助AP: the kiosk checks the card's signature over the four facts with it.
	// Required when a municipality has forms.
	TextIssuerKey string
}

// Printer back ends.
const (
	BackendESCPOS = "escpos" // thermal printer on a device file
	BackendIPP    = "ipp"    // A4 printer over IPP
	BackendFile   = "file"   // documents written to a directory (demo, tests)
)

// Paper sizes.
const (
	PaperA4   = "a4"
	Paper80mm = "80mm"
)

// Printer is the [printer] section.
type Printer struct {
	Backend string // BackendESCPOS, BackendIPP or BackendFile; required
	Device  string // escpos: device file, default "/dev/usb/lp0"
	IPPURL  string // ipp: printer URI, required for ipp
	Dir     string // file: output directory, required for file
	Paper   string // PaperA4 or Paper80mm; default 80mm for escpos, a4 otherwise
	Font    string // TrueType/OpenType font for rendered text; "" lets the printer package choose
}

// GPIO is the [gpio] section: names of the pins sensors and outputs are wired to, as
// periph.io's gpioreg.ByName knows them ("GPIO17"). An empty name means "not wired".
type GPIO struct {
	PaperLow string // input: paper near end
	Door     string // input: cabinet door open
	CardLED  string // output: lights the card slot
	Buzzer   string // output: audible "take your card"
	// PaperTray is an input: a sheet lies in the printer's output tray (paper-present
	// sensor, active low like paper_low). With it, a certificate left in the tray gets
	// the same reminders as a card left on the reader.
	PaperTray string
}

// Reminder is the [reminder] section: what the kiosk does when a session has ended and
// the resident left something behind (the card on the reader, the certificate in the
// tray). At once the screen asks for it (ja/en); from BeepAfter on, the buzzer and the
// card LED repeat a pattern every BeepEvery; at AlertAfter the kiosk records an audit
// event ("card_left", "paper_left") and raises an alert for the technician. Until it is
// taken, no new session starts.
type Reminder struct {
	BeepAfter  time.Duration // default 10s; 0 beeps at once
	BeepEvery  time.Duration // default 15s
	AlertAfter time.Duration // default 3m; at least BeepAfter
}

// Center is the [center] section: the issuance center and the kiosk's TLS identity.
type Center struct {
	URL string // https:// base URL; required
	// Fallbacks are further instances of the same center, https:// base URLs tried in
	// order when the current one does not answer (key fallback_urls).
	Fallbacks      []string
	CAFile         string        // PEM CA certificate(s) pinned for the center's TLS certificate; required
	DocumentKey    string        // PEM public key the center signs documents with; required (nothing unverified is printed)
	ClientCert     string        // PEM kiosk certificate; required
	ClientKey      string        // PEM private key of ClientCert; required, mode 0600 or stricter
	ConnectTimeout time.Duration // default 10s
	RequestTimeout time.Duration // default 30s
}

// Timeouts is the [timeouts] section: how long each screen waits for the resident (or the
// center, or the printer) before the session is voided and the kiosk returns to idle.
type Timeouts struct {
	Idle   time.Duration // attract screen: return to the default language; default 30s
	Choose time.Duration // choosing certificate and options; default 60s
	Card   time.Duration // waiting for the card; default 60s
	PIN    time.Duration // entering the PIN; default 60s
	Center time.Duration // waiting for the center; default 60s, ≥ center.request_timeout
	Fee    time.Duration // fee confirmation and payment; default 60s
	Print  time.Duration // printing; default 5m (a certificate can take over 2 minutes)
	Take   time.Duration // "take your card and certificate"; default 30s
}

// Queue is the [queue] section: the store-and-forward queue to the center. Caps never
// drop a message: when one is reached the kiosk stops taking new requests (out of service)
// until the queue drains.
type Queue struct {
	Path        string        // SQLite file; default "/var/lib/madoguchi/kiosk.db"
	MaxMessages int           // undelivered messages before out of service; default 10000
	MaxBytes    int64         // bytes of undelivered messages before out of service; default 64 MiB
	MaxAge      time.Duration // oldest undelivered message before out of service; default 720h
	Retention   time.Duration // delivered messages kept for audit; default 168h, 0 = delete at once
	// ParkedApplicationRetention: an e-application the center refused keeps the
	// resident's data this long for a technician's retry, then is discarded; default 72h.
	ParkedApplicationRetention time.Duration
	BatchSize                  int           // messages per sync request; default 50
	RetryMin                   time.Duration // first retry delay; default 1s
	RetryMax                   time.Duration // longest retry delay; default 5m
}

// Status is the [status] section: the local health endpoint.
type Status struct {
	Listen      string // host:port; default "127.0.0.1:9180"; "" disables it
	AllowRemote bool   // allow a non-loopback Listen address; default false
}

// Screen inputs: where taps come from.
const (
	InputTerminal = "terminal" // mouse reports from the terminal (foot ≥ 1.15 passes touch)
	InputEvdev    = "evdev"    // the kiosk reads the touchscreen's evdev device itself
)

// Screen is the [screen] section: the touch input path and, for evdev, the device and how
// its raw coordinates map onto the screen.
type Screen struct {
	Input string // InputTerminal (default) or InputEvdev
	// DevicePath is the evdev device file ("/dev/input/event0", a /dev/input/by-id or
	// by-path link); DevicePattern instead matches the device's name (RE2). Both empty:
	// the first touchscreen found.
	DevicePath    string
	DevicePattern *regexp.Regexp
	Rotation      int  // degrees clockwise the screen image is turned on the panel: 0, 90, 180, 270
	SwapXY        bool // the panel's raw X and Y axes are swapped (before rotation)
	// Calibration: the raw values at the left/right and top/bottom edges of the panel
	// (before swap and rotation). Min == Max (both 0 by default) takes the range the device
	// reports; Min > Max inverts the axis.
	XMin, XMax, YMin, YMax int
}

// DefaultReminder is the reminder schedule when [reminder] leaves it out.
var DefaultReminder = Reminder{BeepAfter: 10 * time.Second, BeepEvery: 15 * time.Second, AlertAfter: 3 * time.Minute}

// Defaults for every optional setting.
const (
	DefaultLanguage       = "ja"
	DefaultMaxCopies      = 10
	DefaultDevice         = "/dev/usb/lp0"
	DefaultConnectTimeout = 10 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	DefaultQueuePath      = "/var/lib/madoguchi/kiosk.db"
	DefaultMaxMessages    = 10000
	DefaultMaxBytes       = 64 << 20
	DefaultMaxAge         = 30 * 24 * time.Hour
	DefaultRetention      = 7 * 24 * time.Hour
	DefaultBatchSize      = 50
	DefaultRetryMin       = time.Second
	DefaultRetryMax       = 5 * time.Minute
	// DefaultParkedApplicationRetention: see Queue.ParkedApplicationRetention.
	DefaultParkedApplicationRetention = 72 * time.Hour
	DefaultStatusListen               = "127.0.0.1:9180"
)

// DefaultTimeouts are the per-screen timeouts used when [timeouts] leaves them out.
var DefaultTimeouts = Timeouts{
	Idle:   30 * time.Second,
	Choose: 60 * time.Second,
	Card:   60 * time.Second, // find the card in a wallet, place it
	PIN:    60 * time.Second, // read the screen, recall the PIN, type it
	Center: 60 * time.Second,
	Fee:    60 * time.Second,
	Print:  5 * time.Minute,
	Take:   30 * time.Second,
}

// Default returns a Config holding every default. It is not valid on its own: the kiosk
// id and location, the municipalities, the printer back end and the center are required.
func Default() *Config {
	return &Config{
		Kiosk:    Kiosk{Language: DefaultLanguage, LogLevel: slog.LevelInfo, MaxCopies: DefaultMaxCopies},
		Timeouts: DefaultTimeouts,
		Reminder: DefaultReminder,
		Center:   Center{ConnectTimeout: DefaultConnectTimeout, RequestTimeout: DefaultRequestTimeout},
		Queue: Queue{
			Path: DefaultQueuePath, MaxMessages: DefaultMaxMessages, MaxBytes: DefaultMaxBytes,
			MaxAge: DefaultMaxAge, Retention: DefaultRetention, BatchSize: DefaultBatchSize,
			RetryMin: DefaultRetryMin, RetryMax: DefaultRetryMax, ParkedApplicationRetention: DefaultParkedApplicationRetention,
		},
		Status:  Status{Listen: DefaultStatusListen},
		Screen:  Screen{Input: InputTerminal},
		Voice:   defaultVoice(),
		Display: Display{Switches: true},
		Keypad:  Keypad{Kind: KeypadNone},
	}
}

// DemoMunicipalityCode is the code of the demo's fictitious 見本市 (prefecture 13, number
// 999, check digit 8). It is not assigned to a real municipality.
const DemoMunicipalityCode = "139998"

// Demo returns the configuration `kiosk demo` runs with. Everything it names lives under
// dir: documents in dir/printed, the queue in dir/kiosk.db, and the TLS files
// dir/center-ca.pem, dir/kiosk.crt and dir/kiosk.key, which the demo wiring writes (from
// the in-process reference center's test CA) before it calls CheckFiles. The demo wiring
// also replaces Center.URL with the reference center's loopback address. Demo(dir) passes
// Validate as it is.
func Demo(dir string) *Config {
	c := Default()
	c.Kiosk.ID = "demo-0001"
	c.Kiosk.Location = "デモ端末 (demo)"
	c.Kiosk.LogLevel = slog.LevelDebug
	c.Municipalities = []Municipality{{
		Code:   DemoMunicipalityCode,
		Name:   "見本市",
		NameEN: "Mihon City",
		Hours:  AllDay, // a demo should work at any hour
		Closed: nil,
		Certificates: []Certificate{
			{Type: center.ResidentRecord, FeeYen: 200},
			{Type: center.ResidentRecordItems, FeeYen: 200},
			{Type: center.SealRegistration, FeeYen: 200},
			{Type: center.FamilyRegister, FeeYen: 350},
			{Type: center.FamilyRegisterAnnex, FeeYen: 200},
			{Type: center.TaxIncome, FeeYen: 200},
		},
		Forms: DemoForms(),
	}}
	c.Reader.TextIssuerKey = filepath.Join(dir, "jlis-text.pub")
	c.Printer = Printer{Backend: BackendFile, Dir: filepath.Join(dir, "printed"), Paper: PaperA4}
	c.Center.URL = "https://127.0.0.1/"
	c.Center.CAFile = filepath.Join(dir, "center-ca.pem")
	c.Center.ClientCert = filepath.Join(dir, "kiosk.crt")
	c.Center.ClientKey = filepath.Join(dir, "kiosk.key")
	c.Center.DocumentKey = filepath.Join(dir, "center-doc.pub")
	c.Queue.Path = filepath.Join(dir, "kiosk.db")
	c.Status.Listen = ""
	return c
}

// DemoForms are the demo's forms: the counter forms a 書かない窓口 prints most, and one
// electronic application.
func DemoForms() []forms.Form {
	name := forms.Field{Label: "氏名", LabelEN: "Name", Source: forms.SourceName}
	birth := forms.Field{Label: "生年月日", LabelEN: "Date of birth", Source: forms.SourceBirthDate}
	sex := forms.Field{Label: "性別", LabelEN: "Sex", Source: forms.SourceSex}
	addr := func(label, en string) forms.Field {
		return forms.Field{Label: label, LabelEN: en, Source: forms.SourceAddress, Lines: 2}
	}
	blank := func(label string, lines int) forms.Field { return forms.Field{Label: label, Lines: lines} }
	return []forms.Form{
		{ID: "tennyu", Title: "転入届", TitleEN: "Notice of moving in", Fields: []forms.Field{
			name, birth, sex, addr("新しい住所", "New address"), blank("前の住所", 2), blank("転入した日", 1),
			blank("世帯主の氏名", 1), blank("続柄", 1), blank("電話番号", 1)}},
		{ID: "tenshutsu", Title: "転出届", TitleEN: "Notice of moving out", Fields: []forms.Field{
			name, birth, sex, addr("現住所", "Current address"), blank("新しい住所", 2), blank("転出予定日", 1),
			blank("電話番号", 1)}},
		{ID: "inkan-toroku", Title: "印鑑登録申請書", TitleEN: "Seal registration application", Fields: []forms.Field{
			name, birth, addr("住所", "Address"), blank("登録する印鑑の印影", 6), blank("電話番号", 1)}},
		{ID: "shomei-kofu", Title: "証明書交付申請書", TitleEN: "Certificate application (counter)", Fields: []forms.Field{
			name, birth, addr("住所", "Address"), blank("必要な証明書と通数", 3), blank("使いみち", 1), blank("電話番号", 1)}},
		// An electronic application: signed at the kiosk with the card's signing key and
		// sent to the center; the fields not on the card are entered on the screen.
		{ID: "tenshutsu-e", Title: "転出届（電子申請）", TitleEN: "Notice of moving out (online)", Electronic: true,
			Fields: []forms.Field{name, birth, addr("現住所", "Current address"),
				{Label: "転出予定日", LabelEN: "Moving-out date", Input: forms.InputDate},
				{Label: "電話番号", LabelEN: "Telephone", Input: forms.InputDigits},
				{Label: "氏名のフリガナ", LabelEN: "Name in katakana", Input: forms.InputKana}}},
	}
}

// DemoDir is the default directory for Demo: a fixed folder under the system temp dir.
func DemoDir() string { return filepath.Join(os.TempDir(), "madoguchi-demo") }

//go:embed example.toml
var example []byte

// Example returns the example configuration shipped with the binary (`kiosk config
// example`): every key, commented, with its default and what it allows.
func Example() []byte { return append([]byte(nil), example...) }

// Match reports whether the PC/SC reader called name is the one to use: any reader when
// NamePattern is nil.
func (r Reader) Match(name string) bool {
	return r.NamePattern == nil || r.NamePattern.MatchString(name)
}

// Municipality returns the municipality with the given code.
func (c *Config) Municipality(code string) (Municipality, bool) {
	for _, m := range c.Municipalities {
		if m.Code == code {
			return m, true
		}
	}
	return Municipality{}, false
}
