// Package layout turns the issuance center's structured certificate content
// (center.Content) into printable pages: an A4 PDF for office printers (IPP) and
// 1-bit raster pages for 80 mm thermal printers (ESC/POS).
//
// # Concepts
//
// A layout is computed once per document as a plan: a list of pages, each a list of
// drawing operations in millimetres (text at a baseline, lines, boxes, QR modules,
// the seal, the background pattern). The plan is then replayed onto one of two
// canvases: go-pdf/fpdf for PDF, or an image.Gray at the thermal head's resolution
// (8 dots/mm) with glyphs rasterised by golang.org/x/image/font/opentype. Both use
// the same TrueType font files and the same metrics, so line breaks and pagination are
// identical whatever the output.
//
// Fonts: the main font (IPAex Gothic by default) draws Japanese and most other text;
// fallback fonts (Options.Fallbacks, DefaultFallbacks: DejaVu Sans, Droid Sans
// Fallback, NanumGothic, Lohit Devanagari) draw the letters it lacks. Text is split into
// runs, each letter taking the first font that has it, in the order its language asks
// (a receipt's Vietnamese, simplified Chinese, Korean or Nepali text takes its own
// fallback first; Japanese text takes the main font first). Devanagari runs are shaped
// (github.com/go-text/typesetting, a port of HarfBuzz: reordered vowel signs,
// conjuncts, reph) and drawn as glyph outlines: filled paths in the PDF, with the
// letters written invisibly over them so the PDF's text reads as written, and
// golang.org/x/image/vector on the raster. Other runs are drawn by fpdf's and x/image's
// own text drawing. All fonts must be TrueType (glyf): fpdf embeds only those.
//
// Every page carries the title, the issuance number, "page i / N", the
// verification code as text and as a QR code, the kiosk-issuance note and a
// background pattern (地紋) whose coarse dots spell 「複写」 while the surrounding
// fine dots carry the same ink density: a photocopier drops the fine dots and the
// word appears on the copy. The certification sentence, issue date, issuer and
// seal close the document on its last page and are never split across pages.
//
// Pagination keeps each section (a heading and its rows: one person's record on a
// household 住民票 or a 戸籍) whole on one page: a section that does not fit below what
// is already on the page moves to the next. Only a section taller than a whole page
// flows row by row, its heading kept with its first row; a row is never split.
//
// A Receipt (領収書) is laid out by ReceiptPDF (the top of one A4 page) and ReceiptRaster
// (one thermal strip): the fee, what it was for, the date, the issuance number, the kiosk
// and the municipality, and that it is no certificate — no name, no pattern, no seal.
// Its labels are in Japanese and the resident's language (all eleven of internal/i18n
// with the fallback fonts installed); a language whose letters no loaded font has
// prints in English instead, and ReceiptLanguageReason says why (kiosk diag warns).
//
// # Invariants
//
//   - Output is deterministic for the same content, options and font file: golden
//     files in testdata compare exactly (raster pixels, PDF bytes).
//   - Content that names a My Number (個人番号) is refused: the kiosk never prints one.
//   - A missing main font is a configuration error reported at New, never at print time;
//     a missing fallback font is not an error (FontProblems): its letters print from
//     another font, or a receipt falls back to English.
//   - A Japanese-only document draws with the main font alone, exactly as before
//     fallback fonts existed (the golden files of certificates did not change).
package layout
