package screens

// The display modes a resident can switch on any screen: high contrast, and やさしい日本語
// (plain Japanese, with readings in hiragana under the buttons' kanji).

import (
	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// Display is the display modes' defaults (config [screen] high_contrast, easy_japanese).
// With Options.Display set, every screen has a 見やすく (contrast) switch in its header
// and the idle screen a やさしい日本語 switch; a session's end puts both back.
type Display struct {
	Contrast bool
	Easy     bool
}

// The switches' words.
var (
	btnContrast = msg{"見やすく", "Contrast"}
	btnEasy     = msg{"やさしい日本語", "やさしい日本語"}
	btnEasyOff  = msg{"ふつうの日本語", "ふつうの日本語"}
)

// contrastColours maps each (foreground, background) of style.go to its high-contrast
// pair: white or yellow on black for text, black on white, yellow or grey for buttons.
var contrastColours = func() map[[2]tcell.Color][2]tcell.Color {
	yellow := tcell.NewRGBColor(0xff, 0xe6, 0x00)
	cyan := tcell.NewRGBColor(0x00, 0xe6, 0xff)
	silver := tcell.NewRGBColor(0xc8, 0xc8, 0xc8)
	pair := func(st tcell.Style) [2]tcell.Color { fg, bg, _ := st.Decompose(); return [2]tcell.Color{fg, bg} }
	return map[[2]tcell.Color][2]tcell.Color{
		pair(stBody):      {colWhite, colBlack},
		pair(stWarn):      {yellow, colBlack},
		pair(stHeader):    {colWhite, colBlack},
		pair(stLang):      {colBlack, cyan},
		pair(stPrimary):   {colBlack, yellow},
		pair(stNormal):    {colBlack, colWhite},
		pair(stCancel):    {colBlack, silver},
		pair(stOff):       {colWhite, colBlack},
		pair(stDisabled):  {silver, colBlack},
		pair(stPIN):       {yellow, colBlack},
		pair(stCard):      {cyan, colBlack},
		pair(stCountdown): {yellow, colBlack},
	}
}()

// style is st as this canvas draws it.
func (c *canvas) style(st tcell.Style) tcell.Style {
	if !c.contrast {
		return st
	}
	fg, bg, attr := st.Decompose()
	if p, ok := contrastColours[[2]tcell.Color{fg, bg}]; ok {
		return tcell.StyleDefault.Foreground(p[0]).Background(p[1]).Attributes(attr | tcell.AttrBold)
	}
	return st
}

// easyTexts are the やさしい日本語 versions of the screens' main sentences: short, with
// spaces between the phrases and kana for the harder kanji. Keyed by the usual text.
var easyTexts = map[string]string{
	txtTouch.ja:            "がめんを さわって ください",
	txtNoReader.ja:         "いま カードリーダーが つかえません。係員（かかりいん）に しらせて ください。",
	txtNoReaderWhat.ja:     "証明書（しょうめいしょ）も 申請書（しんせいしょ）も いまは つくれません。",
	txtChooseMuni.ja:       "あなたの 市（し）・町（まち）を えらんで ください",
	txtChooseCert.ja:       "ほしい 証明書（しょうめいしょ）を えらんで ください",
	txtPlaceCard.ja:        "マイナンバーカードか スマートフォンを おいて ください",
	txtPlaceHow.ja:         "カードリーダーの 上に おいて ください。iPhoneは サイドボタンを 2回 おして、Face IDを してから おいて ください。",
	txtPlaceCardOnly.ja:    "マイナンバーカードを おいて ください",
	txtPlaceCardOnlyHow.ja: "カードを カードリーダーの 上に おいて ください。",
	txtFormPrinting.ja:     "申請書（しんせいしょ）を いんさつ して います",
	txtReading.ja:          "カードを よんで います",
	txtDontMove.ja:         "カードを うごかさないで ください。",
	txtPINPrompt.ja:        "暗証番号（あんしょうばんごう）を 入れて ください",
	txtPINWhich.ja:         "すうじ 4つです。カードを つくったときに きめました。",
	txtPINWrong.ja:         "暗証番号が ちがいます。",
	txtCenter.ja:           "しらべて います。まって ください。",
	txtKeepCard.ja:         "カードを とらないで ください。",
	txtFee.ja:              "はらう お金",
	txtFeeAsk.ja:           "よければ「確認（かくにん）」を おして ください。",
	txtPaying.ja:           "お金を 入れて ください",
	txtPrinting.ja:         "いんさつ して います",
	txtPrintWait.ja:        "まって ください。2分 以上 かかる ことが あります。",
	txtTakeBoth.ja:         "カードと 証明書を とって ください",
	txtTakeCert.ja:         "証明書を とって ください",
	txtThanks.ja:           "ありがとう ございました。",
	txtTakeCard.ja:         "カードを とって ください。",
	txtNoCharge.ja:         "お金は かかりません。",
	txtElectronicSub.ja:    "カードで しょめいして おくります",
	txtEntryDigits.ja:      "すうじを 入れて ください",
	txtEntryKana.ja:        "カタカナで 入れて ください。さきに 行（ぎょう）を えらびます。",
	txtEntryDate.ja:        "＋と －で 日（ひ）を あわせて ください",
	txtEntryEmpty.ja:       "なにか 入れて ください。",
	txtReview.ja:           "この ないようで もうしこみます",
	txtReviewNext.ja:       "なまえと じゅうしょは カードから おくります。よければ「署名へ進む」を おして ください。",
	txtPasswordPrompt.ja:   "しょめいよう パスワードを 入れて ください",
	txtPasswordWhich.ja:    "えいごの 大文字（おおもじ）と すうじで 6〜16もじです。",
	txtPasswordWrong.ja:    "パスワードが ちがいます。",
	txtPasswordLast.ja:     "つぎに まちがえると つかえなく なります。",
	txtPasswordLength.ja:   "6もじから 16もじで 入れて ください。",
	txtSignReading.ja:      "カードを しらべて います",
	txtSigning.ja:          "カードで しょめい して います",
	txtAppPrinting.ja:      "もうしこみを おくる じゅんびを して、ひかえを いんさつ して います",
	txtAppTakeBoth.ja:      "カードと ひかえを とって ください",
	txtAppTake.ja:          "ひかえを とって ください",
	txtAppNext.ja:          "もうしこみは 市（し）・町（まち）に おくります。けっかは 市・町から しらせます。",
	txtAppNotSent.ja:       "もうしこみは おくって いません。",
	txtAppNoReceipt.ja:     "ひかえを いんさつ できませんでした。もうしこみは うけつけました。ばんごうを メモして ください。",
}

// furigana are the readings shown under a button's label in やさしい日本語, for the
// buttons with one line (the PIN pad's 訂正 and 全消去 are too narrow for theirs).
var furigana = map[string]string{
	btnBack.ja: "もどる", btnNext.ja: "つぎへ", btnOK.ja: "かくにん", btnPay.ja: "しはらう",
	btnDone.ja: "おわり", btnContinue.ja: "つづける", btnTop.ja: "はじめにもどる", btnContrast.ja: "みやすく",
	"本人のみ": "ほんにん だけ", "世帯全員": "せたい ぜんいん", "記載しない": "のせない", "記載する": "のせる",
	"全部事項": "ぜんぶ", "個人事項": "ひとりだけ", "音声案内": "おんせい あんない",
	btnSign.ja: "しょめいする",
}

// easy reports whether the frame speaks やさしい日本語.
func (f *frame) easy() bool { return f.vs.Easy && f.l == kiosk.LangJA }

// contrastButton is the header's 見やすく switch.
func (f *frame) contrastButton(x int) int {
	if !f.vs.display {
		return x
	}
	x -= 11
	f.add(button{r: rect{x, 0, 11, 3}, label: f.t(btnContrast), st: stLang, act: actContrast, header: true})
	return x - 1
}

// easyButton is the idle screen's やさしい日本語 switch, in the footer beside 音声案内.
func (f *frame) easyButton() (button, bool) {
	if !f.vs.display || f.l != kiosk.LangJA {
		return button{}, false
	}
	m := btnEasy
	if f.vs.Easy {
		m = btnEasyOff
	}
	return button{label: m.ja, st: stNormal, act: actEasy}, true
}
