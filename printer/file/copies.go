package file

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// PDF objects this file reads: the classic cross-reference table and trailer the layout's
// PDF writer produces (no cross-reference streams, no object streams).
var (
	reStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reXrefHead  = regexp.MustCompile(`^xref\s+0 (\d+)\s+`)
	reSize      = regexp.MustCompile(`/Size (\d+)`)
	reRoot      = regexp.MustCompile(`/Root \d+ 0 R`)
	reInfo      = regexp.MustCompile(`/Info \d+ 0 R`)
	rePagesRef  = regexp.MustCompile(`/Pages (\d+) 0 R`)
	reKids      = regexp.MustCompile(`/Kids \[([^\]]*)\]`)
	reCount     = regexp.MustCompile(`/Count (\d+)`)
	reRef       = regexp.MustCompile(`(\d+) 0 R`)
	rePage      = regexp.MustCompile(`/Type\s*/Page\b`)
)

// repeatPages returns pdf with its pages repeated copies times (pages 1..n, 1..n, …), as
// the paper of a copies-copy job comes out collated. The original bytes are kept and an
// incremental update appended: one new page object per repeated page, sharing the
// original's content and resources, and a page tree listing them all. pages is the page
// count the layout reported; a PDF that disagrees, or that this reader cannot follow, is
// an error.
func repeatPages(pdf []byte, pages, copies int) ([]byte, error) {
	if copies <= 1 {
		return pdf, nil
	}
	m := reStartXref.FindSubmatch(pdf)
	if m == nil {
		return nil, fmt.Errorf("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if xref <= 0 || xref >= len(pdf) {
		return nil, fmt.Errorf("startxref %d out of range", xref)
	}
	sec := pdf[xref:]
	h := reXrefHead.FindSubmatchIndex(sec)
	if h == nil {
		return nil, fmt.Errorf("no classic cross-reference table at %d", xref)
	}
	n, _ := strconv.Atoi(string(sec[h[2]:h[3]]))
	entries := sec[h[1]:]
	if len(entries) < 20*n {
		return nil, fmt.Errorf("cross-reference table cut short")
	}
	trailer := entries[20*n:]
	if !bytes.HasPrefix(bytes.TrimSpace(trailer), []byte("trailer")) || bytes.Contains(trailer, []byte("/Prev")) {
		return nil, fmt.Errorf("not a single-revision trailer")
	}
	sm := reSize.FindSubmatch(trailer)
	root := reRoot.Find(trailer)
	if sm == nil || root == nil {
		return nil, fmt.Errorf("trailer lacks /Size or /Root")
	}
	if size, _ := strconv.Atoi(string(sm[1])); size != n {
		return nil, fmt.Errorf("trailer /Size %d, table has %d entries", size, n)
	}
	object := func(num int) ([]byte, error) {
		if num <= 0 || num >= n {
			return nil, fmt.Errorf("object %d not in the table", num)
		}
		e := entries[20*num : 20*num+20]
		if e[17] != 'n' {
			return nil, fmt.Errorf("object %d is free", num)
		}
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || off >= xref {
			return nil, fmt.Errorf("object %d: bad offset", num)
		}
		body := pdf[off:xref]
		head := []byte(strconv.Itoa(num) + " 0 obj")
		end := bytes.Index(body, []byte("endobj"))
		if !bytes.HasPrefix(body, head) || end < 0 {
			return nil, fmt.Errorf("object %d not at its offset", num)
		}
		return bytes.TrimSpace(body[len(head):end]), nil
	}
	num := func(ref []byte) int {
		v, _ := strconv.Atoi(string(reRef.FindSubmatch(ref)[1]))
		return v
	}
	catalog, err := object(num(root))
	if err != nil {
		return nil, err
	}
	pm := rePagesRef.FindSubmatch(catalog)
	if pm == nil {
		return nil, fmt.Errorf("catalog lacks /Pages")
	}
	treeNum, _ := strconv.Atoi(string(pm[1]))
	tree, err := object(treeNum)
	if err != nil {
		return nil, err
	}
	km, cm := reKids.FindSubmatch(tree), reCount.FindSubmatch(tree)
	if km == nil || cm == nil {
		return nil, fmt.Errorf("page tree lacks /Kids or /Count")
	}
	var kids []int
	for _, r := range reRef.FindAllSubmatch(km[1], -1) {
		k, _ := strconv.Atoi(string(r[1]))
		kids = append(kids, k)
	}
	if count, _ := strconv.Atoi(string(cm[1])); count != len(kids) || count != pages {
		return nil, fmt.Errorf("page tree has %d kids, /Count %d, layout said %d pages", len(kids), count, pages)
	}
	var leaves [][]byte
	for _, k := range kids {
		leaf, err := object(k)
		if err != nil {
			return nil, err
		}
		if !rePage.Match(leaf) {
			return nil, fmt.Errorf("object %d is not a page", k)
		}
		leaves = append(leaves, leaf)
	}

	var out bytes.Buffer
	out.Write(pdf)
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		out.WriteByte('\n')
	}
	var offsets []int
	next := n
	allKids := append([]byte{}, km[1]...)
	for range copies - 1 {
		for _, leaf := range leaves {
			offsets = append(offsets, out.Len())
			fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", next, leaf)
			allKids = fmt.Appendf(allKids, "%d 0 R ", next)
			next++
		}
	}
	newTree := reKids.ReplaceAllLiteral(tree, []byte("/Kids ["+string(allKids)+"]"))
	newTree = reCount.ReplaceAllLiteral(newTree, []byte("/Count "+strconv.Itoa(pages*copies)))
	treeOff := out.Len()
	fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", treeNum, newTree)

	xrefOff := out.Len()
	fmt.Fprintf(&out, "xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n%d %d\n", treeNum, treeOff, n, len(offsets))
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<<\n/Size %d\n%s\n", next, root)
	if info := reInfo.Find(trailer); info != nil {
		fmt.Fprintf(&out, "%s\n", info)
	}
	fmt.Fprintf(&out, "/Prev %d\n>>\nstartxref\n%d\n%%%%EOF\n", xref, xrefOff)
	return out.Bytes(), nil
}
