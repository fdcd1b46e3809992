package layout

import (
	"errors"
	"fmt"
	"image"
	_ "image/png" // seal images are PNG
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"

	"madoguchi/center"
)

// DefaultFontPath is IPAex Gothic as installed by Debian's fonts-ipaexfont-gothic.
const DefaultFontPath = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"

// DefaultThermalDots is the printable width of an 80 mm thermal head at 203 dpi.
const DefaultThermalDots = 576

// DotsPerMM is the thermal head resolution (203 dpi).
const DotsPerMM = 8.0

const mmPerPt = 25.4 / 72

// Errors callers branch on.
var (
	// ErrFontMissing: the configured font file does not exist (configuration error).
	ErrFontMissing = errors.New("not found")
	// ErrInvalidContent: the center's content cannot be laid out (missing field,
	// forbidden item). The document must not be printed.
	ErrInvalidContent = errors.New("layout: invalid content")
)

// Options configures a Layout. The zero value is usable where the default font exists.
type Options struct {
	// FontPath is a TrueType (glyf) font with Japanese glyphs. Default DefaultFontPath.
	// OpenType/CFF fonts (Noto CJK .otf) cannot be embedded by the PDF library.
	FontPath string
	// Fallbacks are fonts for the letters FontPath lacks (receipts in Korean, Nepali,
	// simplified Chinese, Vietnamese). Nil: DefaultFallbacks; empty: none. One that is
	// missing or unusable is not an error: see FontProblems and ReceiptLanguageReason.
	Fallbacks []Fallback
	// SealPath is an optional PNG of the issuer's seal (印影). Empty: a seal is drawn
	// from Content.Municipality (e.g. 見本市長之印) in red.
	SealPath string
	// VerifyURL is the center's verification page; the QR code carries
	// VerifyURL?n=<issuance number>&c=<verification code>. Empty: the QR code carries
	// "madoguchi:verify:<issuance number>:<verification code>".
	VerifyURL string
	// Sample marks every page 見本 (demo and test output).
	Sample bool
	// ThermalDots is the raster width in dots. Default DefaultThermalDots.
	ThermalDots int
	// Clock supplies the PDF creation date. Default time.Now.
	Clock func() time.Time
}

// Layout lays out certificates. It is safe for concurrent use.
type Layout struct {
	opts    Options
	fonts   []*face       // the main font, then the fallbacks that loaded
	missing []missingFont // fallbacks that did not load
	font    *sfnt.Font    // the main font's
	seal    image.Image   // nil: drawn seal

	pdfImages pdfImages // made on the first PDF
}

// New loads the font (and seal image) named in opts.
func New(opts Options) (*Layout, error) {
	if opts.FontPath == "" {
		opts.FontPath = DefaultFontPath
	}
	if opts.ThermalDots == 0 {
		opts.ThermalDots = DefaultThermalDots
	}
	if opts.ThermalDots < 128 || opts.ThermalDots%8 != 0 {
		return nil, fmt.Errorf("layout: thermal width %d dots: must be a multiple of 8, at least 128", opts.ThermalDots)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	main, err := loadFont(opts.FontPath, "fonts-ipaexfont-gothic")
	if err != nil {
		return nil, err
	}
	var b sfnt.Buffer
	if gi, err := main.sf.GlyphIndex(&b, '複'); err != nil || gi == 0 {
		return nil, fmt.Errorf("layout: font %s has no Japanese glyphs", opts.FontPath)
	}
	main.pdf = pdfFont
	_ = main.load() // marks it read
	l := &Layout{opts: opts, fonts: []*face{main}, font: main.sf}
	if opts.Fallbacks == nil {
		opts.Fallbacks = DefaultFallbacks
	}
	l.loadFallbacks(opts.Fallbacks)
	if opts.SealPath != "" {
		sf, err := os.Open(opts.SealPath)
		if err != nil {
			return nil, fmt.Errorf("layout: seal image: %w", err)
		}
		defer sf.Close()
		img, _, err := image.Decode(sf)
		if err != nil {
			return nil, fmt.Errorf("layout: seal image %s: %w", opts.SealPath, err)
		}
		l.seal = img
	}
	return l, nil
}

// String names the layout's main font.
func (l *Layout) String() string { return "layout(" + l.opts.FontPath + ")" }

// FontProblems lists the fallback fonts that are missing or unusable, each error naming
// the file and the Debian package that installs it; none when all are there. It reads
// every fallback font not read yet (for diagnostics; printing reads them as needed).
func (l *Layout) FontProblems() []error {
	var out []error
	for _, m := range l.problems() {
		out = append(out, m.err)
	}
	return out
}

// MissingFonts lists the fallback fonts whose files were not there at New, without
// reading any font (cheap, for a start-up log); FontProblems checks them all.
func (l *Layout) MissingFonts() []error {
	var out []error
	for _, m := range l.missing {
		out = append(out, fmt.Errorf("%w (for the receipt in %s)", m.err, strings.Join(m.Langs, ", ")))
	}
	return out
}

var knownTypes = map[center.CertType]bool{
	center.ResidentRecord: true, center.ResidentRecordItems: true, center.SealRegistration: true,
	center.FamilyRegister: true, center.FamilyRegisterAnnex: true, center.TaxIncome: true,
}

// Validate reports why c cannot be printed, or nil.
func Validate(c center.Content) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidContent}, a...)...)
	}
	switch {
	case !knownTypes[c.Type]:
		return bad("unknown certificate type %q", c.Type)
	case strings.TrimSpace(c.Title) == "":
		return bad("no title")
	case strings.TrimSpace(c.IssuanceNumber) == "":
		return bad("no issuance number")
	case strings.TrimSpace(c.VerificationCode) == "":
		return bad("no verification code")
	case strings.TrimSpace(c.Certification) == "":
		return bad("no certification sentence")
	case strings.TrimSpace(c.IssuedOn) == "" || strings.TrimSpace(c.Issuer) == "":
		return bad("no issue date or issuer")
	case len(c.Sections) == 0:
		return bad("empty body")
	}
	fields := []struct{ name, v string }{
		{"title", c.Title}, {"municipality", c.Municipality}, {"certification", c.Certification},
		{"issue date", c.IssuedOn}, {"issuer", c.Issuer}, {"issuance number", c.IssuanceNumber},
		{"verification code", c.VerificationCode}, {"kiosk note", c.KioskNote},
	}
	for i, s := range c.Sections {
		fields = append(fields, struct{ name, v string }{fmt.Sprintf("section %d heading", i+1), s.Heading})
		for j, r := range s.Rows {
			if strings.Contains(r.Label, "個人番号") || strings.Contains(r.Label, "マイナンバー") {
				return bad("section %d row %d: a My Number is never printed", i+1, j+1)
			}
			fields = append(fields,
				struct{ name, v string }{fmt.Sprintf("section %d row %d label", i+1, j+1), r.Label},
				struct{ name, v string }{fmt.Sprintf("section %d row %d value", i+1, j+1), r.Value})
		}
	}
	for _, f := range fields {
		if err := printable(f.v); err != nil {
			return bad("%s: %v", f.name, err)
		}
	}
	return nil
}

// printable refuses text a certificate must not carry: bytes that are not UTF-8, control
// characters other than the line break, and the bidirectional controls that can make
// printed text read differently from what was signed (e.g. U+202E).
func printable(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8")
	}
	for _, r := range s {
		switch {
		case r == '\n':
		case unicode.IsControl(r):
			return fmt.Errorf("control character %U", r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return fmt.Errorf("bidirectional control %U", r)
		}
	}
	return nil
}
