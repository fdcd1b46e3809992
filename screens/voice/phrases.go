package voice

import (
	"fmt"

	"madoguchi/center"
	"madoguchi/internal/i18n"
	"madoguchi/kiosk"
)

// text is one spoken sentence in Japanese and English. The other languages are
// translations of the English from their catalogs (internal/i18n): every text literal is
// listed in its source.json, so a text's sentences are written here as string literals.
type text struct{ ja, en string }

// in is t in l: a language with a catalog falls back to English while a sentence is not
// translated; a language that is none of kiosk.Langs is Japanese.
func (t text) in(l kiosk.Lang) string { return i18n.Pick(string(l), t.ja, t.en) }

// The keypad's layout is said in the guides: 2 and 8 move, 5 or Enter chooses, the help
// key repeats (screens/keypad). Spoken sentences are short, one instruction each.

// stateGuides is what each screen says when it appears: what is on it and what to do.
// Every kiosk.State has an entry (TestEveryStateHasAGuide); a new state adds one here.
var stateGuides = map[kiosk.State]text{
	kiosk.StateIdle: {"証明書交付サービスです。はじめるには、5を押すか、画面にタッチしてください。",
		"Certificate service. To start, press 5 or touch the screen."},
	kiosk.StateMunicipality: {"市区町村を選んでください。2と8で選び、5で決めます。",
		"Choose your municipality. Use 2 and 8 to move, and 5 to choose."},
	kiosk.StateChoose: {"証明書の種類を選んでください。2と8で選び、5で決めます。",
		"Choose a certificate. Use 2 and 8 to move, and 5 to choose."},
	kiosk.StateOptions: {"記載する内容と部数を選んでください。よければ、次へを選んでください。",
		"Choose what the certificate shows and how many copies. Then choose Next."},
	kiosk.StatePlaceCard: {"マイナンバーカードかスマートフォンを、カードリーダーに置いてください。",
		"Place your My Number Card or smartphone on the card reader."},
	kiosk.StateReadingCard: {"カードを読み取っています。カードを動かさないでください。",
		"Reading your card. Do not move the card."},
	kiosk.StatePIN: {"暗証番号、数字4桁を入力して、決定キーを押してください。押した数字は読み上げません。",
		"Enter your 4-digit PIN, then press Enter. The digits are not read out."},
	kiosk.StateCenter: {"照会中です。カードを取らずに、お待ちください。",
		"Checking. Please wait, and do not remove your card."},
	kiosk.StateFee:    {"手数料を確認してください。", "Please check the fee."},
	kiosk.StatePaying: {"お金を入れてください。", "Please insert the fee."},
	kiosk.StatePrinting: {"印刷しています。そのままお待ちください。",
		"Printing. Please wait."},
	kiosk.StateTake: {"カードと証明書をお取りください。ご利用ありがとうございました。",
		"Please take your card and your certificate. Thank you."},
	kiosk.StateProblem: {"手続きを終了しました。", "The request has ended."},
	kiosk.StateFormChoose: {"作成する申請書を選んでください。2と8で選び、5で決めます。",
		"Choose the form to prepare. Use 2 and 8 to move, and 5 to choose."},
	kiosk.StateFormCard: {"マイナンバーカードを、カードリーダーに置いてください。",
		"Place your My Number Card on the card reader."},
	kiosk.StateFormReading: {"カードを読み取っています。カードを動かさないでください。",
		"Reading your card. Do not move the card."},
	kiosk.StateFormPIN: {"券面事項入力補助用の暗証番号、数字4桁を入力して、決定キーを押してください。押した数字は読み上げません。",
		"Enter the 4-digit PIN for your card's details, then press Enter. The digits are not read out."},
	kiosk.StateFormFacts: {"カードの情報を読み取っています。カードを動かさないでください。",
		"Reading the details on your card. Do not move the card."},
	kiosk.StateFormConfirm: {"申請書に印刷する内容を画面で確かめてください。よければ、「印刷する」を選んでください。",
		"Check on the screen what the form will show. Then choose Print."},
	kiosk.StateFormPrinting: {"申請書を印刷しています。そのままお待ちください。",
		"Printing the form. Please wait."},
	kiosk.StateFormTake: {"カードと申請書をお取りください。署名をして、窓口にお出しください。",
		"Please take your card and the form. Sign it and hand it in at the counter."},
	kiosk.StateAppEntry: {"申請の内容を入力して、次へを選んでください。入力した内容は読み上げません。",
		"Enter the application's details, then choose Next. What you enter is not read out."},
	kiosk.StateAppReview: {"申請の内容を画面で確かめてください。よければ、「署名へ進む」を選んでください。",
		"Check your application on the screen. Then choose Sign."},
	kiosk.StateAppPasswordReading: {"カードを確認しています。カードを動かさないでください。",
		"Checking your card. Do not move the card."},
	kiosk.StateAppPassword: {"署名用パスワード、英大文字と数字の6文字から16文字を入力して、決定キーを押してください。押した文字は読み上げません。",
		"Enter your signing password, 6 to 16 capital letters and digits, then press Enter. The characters are not read out."},
	kiosk.StateAppSigning: {"カードで署名しています。カードを動かさないでください。",
		"Signing with your card. Do not move the card."},
	kiosk.StateAppPrinting: {"申請を受け付け、受付控を印刷しています。そのままお待ちください。",
		"Your application is accepted. Printing the receipt. Please wait."},
	kiosk.StateAppTake: {"カードと受付控をお取りください。申請は市区町村に送られます。",
		"Please take your card and the receipt. The application goes to your municipality."},
	kiosk.StateTechPIN: {"係員用の画面です。", "Staff screen."},
	kiosk.StateTech:    {"係員用の画面です。", "Staff screen."},
}

// problemGuides is what each problem screen says after its state's guide. Every
// kiosk.Problem has an entry (TestEveryProblemHasAGuide).
var problemGuides = map[kiosk.Problem]text{
	kiosk.ProblemOutOfService: {"ただいまご利用いただけません。しばらくしてから、お試しください。",
		"Out of service. Please try again later."},
	kiosk.ProblemClosed: {"サービス時間外です。受付時間内に、ご利用ください。",
		"The service is closed. Please come back during service hours."},
	kiosk.ProblemCancelled: {"手続きを中止しました。証明書は交付されていません。",
		"Cancelled. No certificate was issued."},
	kiosk.ProblemCardRemoved: {"カードが取り外されました。はじめからやり直してください。",
		"The card was removed. Please start again."},
	kiosk.ProblemCardUnreadable: {"カードを読み取れませんでした。置き方を確かめて、もう一度お試しください。",
		"The card could not be read. Check how it is placed and try again."},
	kiosk.ProblemNotMyNumberCard: {"ご利用いただけないカードです。電子証明書のついたマイナンバーカードをお使いください。",
		"This card cannot be used. Please use a My Number Card with its electronic certificate."},
	kiosk.ProblemCertExpired: {"電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
		"The electronic certificate has expired. Please renew it at your municipal office."},
	kiosk.ProblemPINLocked: {"暗証番号がロックされています。市区町村の窓口で再設定できます。",
		"The PIN is locked. You can have it reset at your municipal office."},
	kiosk.ProblemJukiCard: {"住民基本台帳カードは使えません。マイナンバーカードをお使いください。",
		"A Juki card cannot be used. Please use your My Number Card."},
	kiosk.ProblemCertNotYetValid: {"この電子証明書は、まだ使えません。発行の翌日から使えます。",
		"This certificate cannot be used yet. It works from the day after it was issued."},
	kiosk.ProblemNoPIN: {"暗証番号のないカードでは、証明書を交付できません。市区町村の窓口にご相談ください。",
		"A card without a PIN cannot be used for certificates. Please ask at your municipal office."},
	kiosk.ProblemPhoneNotReady: {"iPhoneを使えませんでした。Face IDで認証して、もう一度置いてください。",
		"The iPhone could not be used. Authenticate with Face ID and place it again."},
	kiosk.ProblemFormNeedsCard: {"申請書の作成には、マイナンバーカードが必要です。カードを置いてください。",
		"A prefilled form needs the My Number Card. Please place the card."},
	kiosk.ProblemPasswordLocked: {"署名用パスワードがロックされました。申請は送られていません。市区町村の窓口で再設定できます。",
		"The signing password is locked. Nothing was sent. You can have it reset at your municipal office."},
	kiosk.ProblemCardSuspended: {"このカードの電子証明書は停止されています。市区町村の窓口にお問い合わせください。",
		"The card's certificate is suspended. Please contact your municipal office."},
	kiosk.ProblemCardNotAccepted: {"ご利用いただけないカードです。市区町村の窓口にご相談ください。",
		"This card cannot be used. Please ask at your municipal office."},
	kiosk.ProblemResidentNotFound: {"この端末では証明書を交付できません。市区町村の窓口でお手続きください。",
		"The certificate cannot be issued at this terminal. Please apply at your municipal office."},
	kiosk.ProblemNotEligible: {"この証明書は交付できません。市区町村の窓口にご相談ください。",
		"This certificate cannot be issued. Please ask at your municipal office."},
	kiosk.ProblemMovedOut: {"転出の届出をされた方はご利用いただけません。市区町村の窓口でお手続きください。",
		"Not available after a moving-out notice. Please apply at your municipal office."},
	kiosk.ProblemCenterUnreachable: {"ただいま交付できません。しばらくしてから、お試しください。",
		"The certificate cannot be issued now. Please try again later."},
	kiosk.ProblemCenterError: {"証明書を交付できませんでした。もう一度お試しください。",
		"The certificate could not be issued. Please try again."},
	kiosk.ProblemPaperOut: {"用紙切れのため印刷できませんでした。手数料はかかりません。係員にお知らせください。",
		"The printer is out of paper. You will not be charged. Please tell the staff."},
	kiosk.ProblemPrinterFailed: {"印刷できませんでした。手数料はかかりません。係員にお知らせください。",
		"The certificate could not be printed. You will not be charged. Please tell the staff."},
	kiosk.ProblemPaymentFailed: {"お支払いが完了しませんでした。入れたお金をお取りください。",
		"The payment was not completed. Please take back your money."},
	kiosk.ProblemStoreFailed: {"端末の不具合のため中止しました。係員にお知らせください。",
		"The terminal has a fault. Please tell the staff."},
	kiosk.ProblemTimedOut: {"時間切れのため中止しました。証明書は交付されていません。",
		"Time is up. No certificate was issued."},
}

// noteGuides is what a hint on the current screen says when it appears. Every note the
// engine sets has an entry (TestEveryNoteHasAGuide); NoteMaxCopies is composed (maxCopies).
var noteGuides = map[kiosk.Note]text{
	kiosk.NoteNeed4Digits:    {"4桁の数字を入力してください。", "Please enter 4 digits."},
	kiosk.NoteUnavailable:    {"この証明書は、ただいま交付できません。", "This certificate is not available now."},
	kiosk.NoteRemoveAndPlace: {"カードが置かれたままです。いったん取って、もう一度置いてください。", "A card is already on the reader. Lift it and place it again."},
	kiosk.NoteMaxCopies:      {"これ以上は増やせません。", "That is the most copies at a time."},
	kiosk.NotePINAgain:       {"カードの確認のため、もう一度暗証番号を入力してください。", "Please enter your PIN once more."},
	kiosk.NoteTakeFirst:      {"カードまたは証明書が残っています。お取りください。お取りいただくと、次の方がご利用になれます。", "A card or a certificate was left. Please take it. The next person can start once it is taken."},
	kiosk.NotePasswordLength: {"6文字から16文字で入力してください。", "Please enter 6 to 16 characters."},
	kiosk.NoteEntryEmpty:     {"まだ入力されていません。", "Nothing is entered yet."},
}

// The fixed sentences of the guide beside the tables.
var (
	txtVoiceOn       = text{"音声案内をはじめます。", "Voice guidance is on."}
	txtVoiceOff      = text{"音声案内を終わります。", "Voice guidance is off."}
	txtLouder        = text{"音量を上げました。", "Louder."}
	txtQuieter       = text{"音量を下げました。", "Quieter."}
	txtDeleted       = text{"1桁消しました。", "One digit deleted."}
	txtCleared       = text{"入力を消しました。", "Entry cleared."}
	txtPINWrong      = text{"暗証番号が違います。", "The PIN is not correct."}
	txtLastTry       = text{"次に間違えると、暗証番号がロックされます。", "If the next PIN is wrong, it will be locked."}
	txtFeePress      = text{"よければ、決定キーを押してください。", "To print, press Enter."}
	txtFeePay        = text{"よければ、決定キーを押して、お支払いください。", "To pay, press Enter."}
	txtCardGone      = text{"証明書をお取りください。ご利用ありがとうございました。", "Please take your certificate. Thank you."}
	txtProblemDone   = text{"5を押すと、はじめの画面に戻ります。", "Press 5 to return to the start."}
	txtAnother       = text{"ほかの証明書も選べます。", "You can choose another certificate."}
	txtDigitKey      = text{"数字キー", "Digit key"}
	txtCharKey       = text{"文字キー", "Character key"}
	txtNoReader      = text{"ただいまカードリーダーが使えないため、証明書の交付と申請書の作成はできません。係員にお知らせください。", "The card reader is not working now, so certificates and forms are not available. Please tell the staff."}
	txtAppNotSent    = text{"手続きを中止しました。申請は送られていません。", "Stopped. No application was sent."}
	txtPasswordWrong = text{"署名用パスワードが違います。", "The signing password is not correct."}
	txtPasswordLast  = text{"次に間違えると、署名用パスワードがロックされます。", "If the next one is wrong, it will be locked."}
	fmtChar          = text{"%d文字目を入力しました。", "Character %d entered."}
	txtCharDeleted   = text{"1文字消しました。", "One character deleted."}
	txtUnavailable   = text{"受付時間外", "closed now"}
	txtOptionOn      = text{"選択中", "selected"}
	txtLangPick      = text{"言語を選んでください。2と8で選び、5で決めます。", "Choose your language. Use 2 and 8 to move, and 5 to choose."}
	txtJapanese      = text{"証明書は日本語で印刷されます。", "Certificates are printed in Japanese."}
)

// Sentences with a number: the number is its own part, so the sentence around it is the
// same cached audio whatever the number (see Utterance).
var (
	fmtDigit     = text{"%d桁目を入力しました。", "Digit %d entered."}
	fmtTries     = text{"残り%d回です。", "%d tries left."}
	fmtFee       = text{"手数料は、合計%sです。", "The fee is %s in total."}
	fmtCopies    = text{"%d通です。", "%d copies."}
	fmtCountdown = text{"あと%d秒で終了します。続けるには、5を押してください。", "Ending in %d seconds. Press 5 to continue."}
	fmtMaxCopies = text{"一度に%d通までです。", "Up to %d copies at a time."}
	fmtYen       = text{"%d円", "%d yen"}
)

func (t text) format(l kiosk.Lang, args ...any) string { return fmt.Sprintf(t.in(l), args...) }

// inputWords is what a focused button says, by what it does (the keypad moves the focus;
// see Speaker.Focus). InputSelect says the item's name, InputDigit never its digit.
var inputWords = map[kiosk.InputKind]text{
	kiosk.InputStart:    {"はじめる", "Start"},
	kiosk.InputLanguage: {"言語の切り替え", "Change language"},
	kiosk.InputNext:     {"次へ", "Next"},
	kiosk.InputBack:     {"戻る", "Back"},
	kiosk.InputCancel:   {"やめる", "Cancel"},
	kiosk.InputDelete:   {"訂正", "Delete"},
	kiosk.InputClear:    {"全消去", "Clear"},
	kiosk.InputDone:     {"終了", "Done"},
	kiosk.InputContinue: {"続ける", "Continue"},
	kiosk.InputAnother:  {"ほかの証明書を選ぶ", "Choose another"},
	kiosk.InputDigit:    txtDigitKey,
}

var copiesWords = map[int]text{+1: {"部数を増やす", "More copies"}, -1: {"部数を減らす", "Fewer copies"}}

// optionWords name each option's choice when it is on and off (the options screen's
// toggles).
var optionWords = map[kiosk.Option][2]text{
	kiosk.OptHousehold:    {{"本人のみ", "Only me"}, {"世帯全員", "The whole household"}},
	kiosk.OptDomicile:     {{"本籍を記載しない", "Domicile not shown"}, {"本籍を記載する", "Domicile shown"}},
	kiosk.OptRelationship: {{"続柄を記載しない", "Relationship not shown"}, {"続柄を記載する", "Relationship shown"}},
	kiosk.OptIndividual:   {{"全部事項", "Everyone"}, {"個人事項", "Only me"}},
}

// certWords are the certificates' spoken names; the Japanese is center.CertType.Title
// (TestCertWords).
var certWords = map[center.CertType]text{
	center.ResidentRecord:      {"住民票の写し", "Residence Certificate"},
	center.ResidentRecordItems: {"住民票記載事項証明書", "Residence Details Certificate"},
	center.SealRegistration:    {"印鑑登録証明書", "Seal Registration Certificate"},
	center.FamilyRegister:      {"戸籍証明書", "Family Register"},
	center.FamilyRegisterAnnex: {"戸籍の附票の写し", "Family Register Supplement"},
	center.TaxIncome:           {"課税・所得証明書", "Tax and Income Certificate"},
}

func certName(t center.CertType, l kiosk.Lang) string {
	if s, ok := certWords[t]; ok {
		return s.in(l)
	}
	return t.Title()
}

// txtSentenceEnd ends a sentence made of a name (a certificate, a choice) before the next.
var txtSentenceEnd = text{"。", ". "}
