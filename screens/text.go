package screens

import (
	"fmt"
	"strconv"
	"strings"

	"madoguchi/center"
	"madoguchi/internal/i18n"
	"madoguchi/kiosk"
)

// msg is one text in Japanese and English. The other languages are translations of the
// English text from their catalogs (internal/i18n): every msg literal is listed in its
// source.json, so a msg's texts are written here as string literals.
type msg struct{ ja, en string }

// in is m in l: a language with a catalog falls back to English while a text is not
// translated; a language that is none of kiosk.Langs is Japanese.
func (m msg) in(l kiosk.Lang) string { return i18n.Pick(string(l), m.ja, m.en) }

// The wording follows real コンビニ交付 terminals: polite, short, and always saying what to
// do next. No ambiguous-width characters (○ ※ ① ● × box drawing): checkWidths in TestGolden.
var (
	txtService = msg{"証明書交付サービス", "Certificate Service"}
	// The language picker (its buttons name each language in its own script, kiosk.Langs)
	// and why a certificate is in Japanese whatever the screen's language.
	txtLangPick      = msg{"言語を選んでください", "Choose your language"}
	txtJapaneseCerts = msg{"証明書は法的な書類のため、日本語で印刷されます。", "Certificates are printed in Japanese, because they are legal documents."}
	txtReceiptLang   = msg{"領収書は、日本語とこの言語で印刷されます。", "The receipt is printed in Japanese and in this language."}
	txtVoiceEnglish  = msg{"この言語の音声案内は、英語で話します。", "Voice guidance for this language is spoken in English."}
	txtTouch         = msg{"画面にタッチしてください", "Touch the screen to start"}
	txtStart         = msg{"はじめる", "Start"}
	txtHours         = msg{"受付時間", "Hours"}
	txtClosedNow     = msg{"ただいまサービス時間外です", "The service is closed now"}
	txtLeftover      = msg{"カードが残っています。お取りください。", "A card was left on the reader. Please take it."}
	txtPaperLeft     = msg{"証明書が取り出し口に残っています。お取りください。", "A certificate was left in the tray. Please take it."}
	txtBothLeft      = msg{"カードと証明書が残っています。お取りください。", "A card and a certificate were left. Please take them."}
	// No card reader (unplugged, PC/SC lost): nothing that needs the card starts.
	txtNoReader     = msg{"ただいまカードリーダーが使えません。係員にお知らせください。", "The card reader is not working now. Please tell the staff."}
	txtNoReaderWhat = msg{"証明書の交付と申請書の作成は、ご利用いただけません。", "Certificates and forms are not available until it works again."}
	// The receipt for the fee, on the take screen.
	btnReceipt     = msg{"領収書を印刷", "Print a receipt"}
	txtReceiptAsk  = msg{"領収書が必要な方は「領収書を印刷」を押してください。", "Need a receipt? Press Print a receipt."}
	txtReceiptBusy = msg{"領収書を印刷しています。", "Printing your receipt."}
	txtReceiptDone = msg{"領収書を印刷しました。お取りください。", "Your receipt is printed. Please take it."}
	txtReceiptFail = msg{"領収書を印刷できませんでした。もう一度押すか、係員にお知らせください。", "The receipt could not be printed. Press again, or tell the staff."}
	txtNextWaits   = msg{"お取りいただくと、次の方がご利用になれます。", "The next person can start once they are taken."}
	txtChooseMuni  = msg{"市区町村を選んでください", "Choose your municipality"}
	txtChooseCert  = msg{"証明書の種類を選んでください", "Choose a certificate"}
	txtNotNow      = msg{"ただいま交付できません", "Not available now"}
	txtWeekdays    = msg{"平日", "weekdays"}
	txtOutOfHours  = msg{"受付時間外", "Closed now"}
	txtCopies      = msg{"部数", "Copies"}
	txtPlaceCard   = msg{"マイナンバーカードまたはスマートフォンを置いてください", "Place your My Number Card or smartphone"}
	txtPlaceHow    = msg{"カードリーダーに置いてください。iPhoneは、サイドボタンを2回押してFace IDで認証してから置いてください。",
		"Put it on the card reader. An iPhone: double-click the side button and authenticate with Face ID first."}
	txtPlaceCardOnly    = msg{"マイナンバーカードを置いてください", "Place your My Number Card"}
	txtPlaceCardOnlyHow = msg{"カードリーダーに、カードを置いてください。", "Put the card on the card reader."}
	txtCardShape        = msg{"マイナンバーカード", "My Number Card"}
	txtPhoneShape       = msg{"スマートフォン", "Smartphone"}
	// A card left from an ended session: it may be this resident's own (cancelled and
	// started again), so the words do not say whose it is.
	txtTakeAgain = msg{"カードが置かれたままです。確認のため、いったんカードを取り、もう一度置いてください。",
		"A card is already on the reader. To make sure it is yours, lift it and place it again."}
	txtReading   = msg{"カードを読み取っています", "Reading your card"}
	txtDontMove  = msg{"カードを動かさないでください。", "Do not move the card."}
	txtPINPrompt = msg{"暗証番号（数字4桁）を入力してください", "Enter your PIN (4 digits)"}
	txtPINWhich  = msg{"利用者証明用電子証明書の暗証番号です。", "Your card's 4-digit PIN, not the longer signature password."}
	// An Android phone's スマホ用電子証明書 has its own PIN, set on the phone, not the card's.
	txtPINPhone = msg{"スマートフォンに設定した、利用者証明用の暗証番号です。", "The 4-digit PIN you set on the smartphone, not the card's."}
	// A 顔認証マイナンバーカード may not be told apart before a PIN is tried: every wrong
	// PIN on a card, the first included, says so before another try is spent.
	txtNoPINCard = msg{"裏面に「顔認証」と書かれたカードは暗証番号がないため、ここでは使えません。",
		"A card marked 顔認証 (face authentication) has no PIN and cannot be used here."}
	txtPINWrong  = msg{"暗証番号が違います。", "The PIN is not correct."}
	txtLastTry   = msg{"次に間違えると暗証番号がロックされます。", "If the next PIN is wrong, the PIN will be locked."}
	txtPINAgain  = msg{"カードの確認のため、もう一度暗証番号を入力してください。", "Please enter your PIN once more: the card asks for it again."}
	txtNeed4     = msg{"4桁の数字を入力してください。", "Please enter 4 digits."}
	txtCenter    = msg{"照会中です。しばらくお待ちください。", "Checking with the issuing office. Please wait."}
	txtKeepCard  = msg{"カードを取らないでください。", "Do not remove your card."}
	txtFee       = msg{"手数料の合計", "Total fee"}
	txtPayNext   = msg{"次の画面でお支払いいただき、そのあと印刷します。", "You pay on the next screen; then the certificate is printed."}
	txtFeeAsk    = msg{"よろしければ「確認」を押してください。", "Press Confirm to print."}
	txtFeeAskPay = msg{"よろしければ「支払う」を押してください。", "Press Pay to continue."}
	txtPaying    = msg{"お金を入れてください", "Please insert the fee"}
	txtPrinting  = msg{"印刷しています", "Printing"}
	txtPrintWait = msg{"そのままお待ちください。2分以上かかることがあります。", "Please wait. This can take more than 2 minutes."}
	txtTakeBoth  = msg{"カードと証明書をお取りください", "Please take your card and certificate"}
	txtTakeCert  = msg{"証明書をお取りください", "Please take your certificate"}
	txtThanks    = msg{"ご利用ありがとうございました。", "Thank you for using this service."}
	txtTakeCard  = msg{"カードをお取りください。", "Please take your card."}
	txtNoCharge  = msg{"手数料はかかりません。", "You will not be charged."}
	txtUnavail   = msg{"この証明書は、ただいま交付できません。", "This certificate is not available now."}

	btnBack     = msg{"戻る", "Back"}
	btnCancel   = msg{"やめる", "Cancel"}
	btnNext     = msg{"次へ", "Next"}
	btnOK       = msg{"確認", "OK"}
	btnConfirm  = msg{"確認", "Confirm"}
	btnPay      = msg{"支払う", "Pay"}
	btnDone     = msg{"終了", "Done"}
	btnContinue = msg{"続ける", "Continue"}
	btnAnother  = msg{"ほかの証明書を選ぶ", "Choose another"}
	btnTop      = msg{"はじめに戻る", "Start over"}
	btnDelete   = msg{"訂正", "Delete"}
	btnClear    = msg{"全消去", "Clear"}
	btnMinus    = msg{"－", "－"}
	btnPlus     = msg{"＋", "＋"}
)

// certTitles names the certificates; the Japanese is center.CertType.Title (TestCertTitles).
var certTitles = map[center.CertType]msg{
	center.ResidentRecord:      {"住民票の写し", "Residence Certificate (Juminhyo)"},
	center.ResidentRecordItems: {"住民票記載事項証明書", "Residence Details Certificate"},
	center.SealRegistration:    {"印鑑登録証明書", "Seal Registration Certificate"},
	center.FamilyRegister:      {"戸籍証明書", "Family Register (Koseki)"},
	center.FamilyRegisterAnnex: {"戸籍の附票の写し", "Koseki Supplement (Fuhyo)"},
	center.TaxIncome:           {"課税・所得証明書", "Tax and Income Certificate"},
}

// muniName is the municipality's name in l: its Latin-letter name in English when the
// configuration gives one.
func muniName(m kiosk.MunicipalityView, l kiosk.Lang) string {
	if l == kiosk.LangEN && m.NameEN != "" {
		return m.NameEN
	}
	return m.Name
}

func certTitle(t center.CertType, l kiosk.Lang) string {
	if m, ok := certTitles[t]; ok {
		return m.in(l)
	}
	return t.Title()
}

// Texts with numbers: fmt formats, one argument per verb, in both languages.
var (
	fmtYen       = msg{"%s円", "%s yen"} // amount with thousands separators
	fmtCopies    = msg{"%d通", "%d copies"}
	txtOneCopy   = msg{"1通", "1 copy"}
	fmtCountdown = msg{"あと%d秒で終了します", "Ending in %d seconds"}
	fmtTries     = msg{"入力できる残り回数：%d回", "Tries left: %d"}
	fmtFee       = msg{"1通あたり%s、%s", "%s per copy, %s"}  // unit fee, copies
	fmtFeeTotal  = msg{"1通%s、合計%s", "%s each, %s total"} // unit fee, total (the options screen)
	fmtMaxCopies = msg{"一度に交付できるのは%d通までです。", "You can get up to %d copies at a time."}
	fmtTooSmall  = msg{"画面が小さすぎます（%d×%d）。%d×%d以上にしてください（端末の文字を小さく）。", "Screen too small (%dx%d cells): it needs %dx%d or more (use a smaller terminal font)."}
	fmtOption    = msg{"%s：%s", "%s: %s"} // option label, choice
)

// format fills m's text in l with args, as fmt.Sprintf does.
func (m msg) format(l kiosk.Lang, args ...any) string { return fmt.Sprintf(m.in(l), args...) }

func yen(n int, l kiosk.Lang) string { return fmtYen.format(l, grouped(n)) }

// grouped writes n with a comma between groups of three digits: 2,000.
func grouped(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func copiesText(n int, l kiosk.Lang) string {
	if n == 1 {
		return txtOneCopy.in(l)
	}
	return fmtCopies.format(l, n)
}

func countdownText(n int, l kiosk.Lang) string { return fmtCountdown.format(l, n) }

func triesText(n int, l kiosk.Lang) string { return fmtTries.format(l, n) }

func feeLine(unit, copies int, l kiosk.Lang) string {
	return fmtFee.format(l, yen(unit, l), copiesText(copies, l))
}

// feeTotalLine is the options screen's running total.
func feeTotalLine(unit, copies int, l kiosk.Lang) string {
	return fmtFeeTotal.format(l, yen(unit, l), yen(unit*copies, l))
}

// chosenOptions are the lines that say which choice the resident made for each option
// of certificate t ("記載する方：世帯全員").
func chosenOptions(v kiosk.View, l kiosk.Lang) []string {
	var out []string
	for _, o := range kiosk.OptionsFor(v.Cert) {
		label, off, on := optionText(o)
		choice := off
		if v.OptionOn(o) {
			choice = on
		}
		out = append(out, fmtOption.format(l, label.in(l), choice.in(l)))
	}
	return out
}

// optionTexts names each option and its two choices (off, on).
var optionTexts = map[kiosk.Option]struct{ label, off, on msg }{
	kiosk.OptHousehold:    {msg{"記載する方", "People"}, msg{"本人のみ", "Only me"}, msg{"世帯全員", "Household"}},
	kiosk.OptDomicile:     {msg{"本籍・筆頭者", "Domicile"}, msg{"記載しない", "Not shown"}, msg{"記載する", "Shown"}},
	kiosk.OptRelationship: {msg{"世帯主・続柄", "Relationship"}, msg{"記載しない", "Not shown"}, msg{"記載する", "Shown"}},
	kiosk.OptIndividual:   {msg{"記載内容", "Contents"}, msg{"全部事項", "Everyone"}, msg{"個人事項", "Only me"}},
}

// optionText names an option and its two choices (off, on); empty for an unknown option.
func optionText(o kiosk.Option) (label, off, on msg) {
	t := optionTexts[o]
	return t.label, t.off, t.on
}

// problemTexts holds each problem screen's title and what to do next. Every problem in
// kiosk.Problems has an entry (TestTextTables).
var problemTexts = map[kiosk.Problem]struct{ title, next msg }{
	kiosk.ProblemOutOfService: {msg{"ただいまご利用いただけません", "Out of service"},
		msg{"申し訳ございません。しばらくしてから、もう一度お試しください。", "Sorry. Please try again later."}},
	kiosk.ProblemClosed: {msg{"サービス時間外です", "The service is closed"},
		msg{"受付時間内に、もう一度ご利用ください。", "Please come back during service hours."}},
	kiosk.ProblemCancelled: {msg{"手続きを中止しました", "Cancelled"},
		msg{"証明書は交付されていません。", "No certificate was issued."}},
	kiosk.ProblemCardRemoved: {msg{"カードが取り外されました", "The card was removed"},
		msg{"手続きを中止しました。はじめからやり直してください。", "The request was cancelled. Please start again."}},
	kiosk.ProblemCardUnreadable: {msg{"カードを読み取れませんでした", "The card could not be read"},
		msg{"カードの置き方を確かめて、もう一度お試しください。続く場合は、市区町村の窓口にご相談ください。", "Check how the card is placed and try again. If this happens again, ask at your municipal office."}},
	kiosk.ProblemNotMyNumberCard: {msg{"ご利用いただけないカードです", "This card cannot be used"},
		msg{"このカードはマイナンバーカードではありません。電子証明書のついたマイナンバーカードか、スマホ用電子証明書を入れたスマートフォンをお使いください。",
			"This is not a My Number Card. Please use a My Number Card with its electronic certificate, or a smartphone carrying it."}},
	kiosk.ProblemJukiCard: {msg{"住民基本台帳カードはご利用いただけません", "A Juki card (Basic Resident Registration Card) cannot be used"},
		msg{"マイナンバーカードをお使いください。お持ちでない方は、お住まいの市区町村の窓口で申請できます。",
			"Please use your My Number Card. You can apply for one at your municipal office."}},
	kiosk.ProblemCertNotYetValid: {msg{"この電子証明書は、まだ使えません", "The electronic certificate cannot be used yet"},
		msg{"発行や更新の翌日から使えます。明日以降にもう一度お試しください。続く場合は、市区町村の窓口にご相談ください。",
			"It can be used from the day after it was issued or renewed. Please try again tomorrow; if it still fails, ask at your municipal office."}},
	kiosk.ProblemNoPIN: {msg{"暗証番号のないカードです", "This card has no PIN"},
		msg{"顔認証マイナンバーカードでは、証明書を交付できません。暗証番号の設定は、お住まいの市区町村の窓口でできます。",
			"A face-authentication My Number Card cannot be used for certificates. You can have a PIN set at your municipal office."}},
	kiosk.ProblemFormNeedsCard: {msg{"申請書の作成には、マイナンバーカードが必要です", "A prefilled form needs the My Number Card itself"},
		msg{"スマートフォンには、氏名や住所の情報が入っていません。マイナンバーカードをお使いください。",
			"A smartphone does not carry your name and address. Please place your My Number Card."}},
	kiosk.ProblemPasswordLocked: {msg{"署名用パスワードがロックされています", "The signing password is locked"},
		msg{"5回続けて間違えたため、ロックされました。申請は送信されていません。再設定は、お住まいの市区町村の窓口でできます。このカードをお持ちください。",
			"It was entered wrongly 5 times. Nothing was sent. You can have it reset at your municipal office: please bring this card."}},
	kiosk.ProblemPhoneNotReady: {msg{"iPhoneのマイナンバーカードを使えませんでした", "The iPhone's My Number Card could not be used"},
		msg{"サイドボタンを2回押してFace IDで認証し、もう一度置いてください。続く場合は、マイナンバーカードをお使いください。",
			"Double-click the side button, authenticate with Face ID, and place it again. If it still fails, please use your My Number Card."}},
	kiosk.ProblemCertExpired: {msg{"電子証明書の有効期限が切れています", "The electronic certificate has expired"},
		msg{"お住まいの市区町村の窓口で、電子証明書を更新してください。", "Please renew it at your municipal office."}},
	kiosk.ProblemPINLocked: {msg{"暗証番号がロックされています", "The PIN is locked"},
		msg{"暗証番号の再設定は、お住まいの市区町村の窓口でできます。このカードをお持ちください。裏面に「顔認証」と書かれたカードは、暗証番号がないため使えません。",
			"You can have it reset at your municipal office. Please bring this card. A card marked 顔認証 (face authentication) has no PIN and cannot be used here."}},
	kiosk.ProblemCardSuspended: {msg{"このカードの電子証明書は停止または失効しています", "The card's certificate is suspended or revoked"},
		// The hotline: the Digital Agency's overview (紛失・盗難の場合は…24時間365日体制で停止可能).
		msg{"お住まいの市区町村の窓口にお問い合わせください。紛失・盗難のときの停止は、マイナンバー総合フリーダイヤル 0120-95-0178（24時間365日）。",
			"Please contact your municipal office. To stop a lost or stolen card: My Number toll-free line 0120-95-0178 (24 hours, every day)."}},
	kiosk.ProblemCardNotAccepted: {msg{"ご利用いただけないカードです", "This card cannot be used"},
		msg{"電子証明書を確認できませんでした。市区町村の窓口にご相談ください。", "The electronic certificate could not be checked. Please ask at your municipal office."}},
	kiosk.ProblemResidentNotFound: {msg{"証明書を交付できません", "The certificate cannot be issued"},
		msg{"この端末では交付できません。市区町村の窓口でお手続きください。", "It cannot be issued at this terminal. Please apply at your municipal office."}},
	kiosk.ProblemNotEligible: {msg{"この証明書は交付できません", "This certificate cannot be issued"},
		msg{"登録や記録がないため交付できません。市区町村の窓口にご相談ください。", "There is no record for it. Please ask at your municipal office."}},
	kiosk.ProblemMovedOut: {msg{"転出の届出をされた方はご利用いただけません", "Not available after a moving-out notice"},
		msg{"市区町村の窓口でお手続きください。", "Please apply at your municipal office."}},
	kiosk.ProblemCenterUnreachable: {msg{"ただいま交付できません", "The certificate cannot be issued now"},
		msg{"通信ができませんでした。しばらくしてから、もう一度お試しください。", "The center did not answer. Please try again later."}},
	kiosk.ProblemCenterError: {msg{"証明書を交付できませんでした", "The certificate could not be issued"},
		msg{"もう一度お試しください。続く場合は、市区町村の窓口にご相談ください。", "Please try again. If this happens again, ask at your municipal office."}},
	kiosk.ProblemPaperOut: {msg{"用紙切れのため印刷できませんでした", "The printer is out of paper"},
		msg{"係員にお知らせください。", "Please tell the staff."}},
	kiosk.ProblemPrinterFailed: {msg{"印刷できませんでした", "The certificate could not be printed"},
		msg{"係員にお知らせください。", "Please tell the staff."}},
	kiosk.ProblemPaymentFailed: {msg{"お支払いが完了しませんでした", "The payment was not completed"},
		msg{"証明書は交付されていません。入れたお金をお取りください。", "No certificate was issued. Please take back your money."}},
	kiosk.ProblemStoreFailed: {msg{"ただいま交付できません", "The certificate cannot be issued now"},
		msg{"端末の不具合のため中止しました。係員にお知らせください。", "The terminal has a fault. Please tell the staff."}},
	kiosk.ProblemTimedOut: {msg{"時間切れのため中止しました", "Time is up"},
		msg{"証明書は交付されていません。もう一度はじめから操作してください。", "No certificate was issued. Please start again."}},
}

// txtProblemUnknown titles a problem with no entry in problemTexts.
var txtProblemUnknown = msg{"エラー", "Error"}

// problemText is the title of a problem screen and what to do next.
// refusalTexts say why a certificate cannot be issued, when the center gave a reason.
var refusalTexts = map[center.Reason]msg{
	center.ReasonUnderAge: {"年齢の条件を満たしていないため、この証明書は交付できません。市区町村の窓口にご相談ください。",
		"You are below the age this certificate requires. Please ask at your municipal office."},
	center.ReasonNoSeal: {"印鑑登録がないため、印鑑登録証明書は交付できません。印鑑登録は市区町村の窓口でできます。",
		"No seal is registered for you. You can register one at your municipal office."},
	center.ReasonNoTaxRecord: {"その年度の課税の記録がないため交付できません。市区町村の窓口にご相談ください。",
		"There is no tax record for that year. Please ask at your municipal office."},
	center.ReasonDomicileElsewhere: {"本籍がこの市区町村にないため、戸籍の証明書は交付できません。本籍地の市区町村で利用の登録が必要です。",
		"Your family register is kept by another municipality. It must be registered for kiosk use there first."},
	center.ReasonNotOffered: {"この証明書は、この端末では交付していません。市区町村の窓口をご利用ください。",
		"This certificate is not issued at this terminal. Please use your municipal office."},
	center.ReasonNoRecord: {"この記録では証明書を交付できません。市区町村の窓口にご相談ください。",
		"No certificate can be issued for this record. Please ask at your municipal office."},
}

// problemTextFor is problemText with the center's reason for a refusal, when it gave one.
func problemTextFor(v kiosk.View) (title, next msg) {
	title, next = problemText(v.Problem)
	if v.AppProblem && (v.Problem == kiosk.ProblemCancelled || v.Problem == kiosk.ProblemTimedOut) {
		next = txtAppNotSent
	}
	if m, ok := refusalTexts[v.Refusal]; ok && v.Problem == kiosk.ProblemNotEligible {
		next = m
	}
	return title, next
}

func problemText(p kiosk.Problem) (title, next msg) {
	if t, ok := problemTexts[p]; ok {
		return t.title, t.next
	}
	return txtProblemUnknown, msg{}
}
