package search

import (
	"regexp"
	"strings"
)

// Telex and VNI are the two input methods Vietnamese is typed with on a
// Latin keyboard. With the method switched off, the keys that should have
// made the marks stay in the text: "tooij phamj" (Telex) or "to65i pha5m"
// (VNI) for "tội phạm". DecodeKeyboard turns such a left-over word back
// into the syllable meant.
//
// Telex: aa â, aw ă, ee ê, oo ô, ow ơ, uw ư, uow ươ, w ư, dd đ; the tones
// s (sắc), f (huyền), r (hỏi), x (ngã), j (nặng), typed after the vowel
// (usually at the end of the word); z removes a tone and is dropped.
// VNI: digits after the letter or at the end: 1 sắc, 2 huyền, 3 hỏi,
// 4 ngã, 5 nặng, 6 â ê ô, 7 ơ ư (uo7 ươ), 8 ă, 9 đ.

// syllableRe matches a toneless Vietnamese syllable (folded): an optional
// initial consonant, a vowel cluster and an optional final consonant. It
// rejects what no input method would produce ("cafes" decodes to "café",
// which is not a syllable).
var syllableRe = regexp.MustCompile(`^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?(a|ai|ao|au|ay|e|eo|i|ia|iu|ieu|ie|o|oa|oai|oay|oe|oi|oo|u|ua|uay|ue|ui|uo|uoi|uou|uu|uy|uya|uye|uyu|y|ye|yeu)(ch|ng|nh|c|m|n|p|t)?$`)

// DecodeKeyboard returns the syllable a Telex or VNI left-over word stands
// for ("tooij" → "tội", "to65i" → "tội", "dduwowngf" → "đường") and true,
// or "", false when word is not such a left-over: not plain ASCII letters
// (and VNI digits), no mark to decode, or not a Vietnamese syllable once
// decoded. word is one token, any case; the result is lower-case NFC.
func DecodeKeyboard(word string) (string, bool) {
	w := strings.ToLower(word)
	if w == "" || len(w) > 12 {
		return "", false
	}
	hasDigit := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'a' && c <= 'z':
		case c >= '1' && c <= '9' && i > 0:
			hasDigit = true
		default:
			return "", false
		}
	}
	var out []rune
	var tone uint8
	var ok bool
	if hasDigit {
		out, tone, ok = decodeVNI(w)
	} else {
		out, tone, ok = decodeTelex(w)
	}
	if !ok {
		return "", false
	}
	bare := string(out)
	if !syllableRe.MatchString(foldKey(bare)) {
		return "", false
	}
	if tone == toneNone {
		if bare == w {
			return "", false // nothing was decoded
		}
		return bare, true
	}
	pos := tonePosition(out)
	if pos < 0 {
		return "", false
	}
	c, found := compose[[2]rune{out[pos], rune(tone)}]
	if !found {
		return "", false
	}
	out[pos] = c
	return string(out), true
}

// telexTones maps a Telex tone key to its tone.
var telexTones = map[byte]uint8{'s': toneAcute, 'f': toneGrave, 'r': toneHook, 'x': toneTilde, 'j': toneDot}

// decodeTelex decodes the Telex keys of w (lower-case ASCII letters):
// the toneless syllable with its quality marks, and the tone.
func decodeTelex(w string) ([]rune, uint8, bool) {
	var out []rune
	var tone uint8
	marked := false
	seenVowel := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		last := rune(0)
		if len(out) > 0 {
			last = out[len(out)-1]
		}
		if t, isTone := telexTones[c]; isTone && seenVowel {
			if tone != toneNone {
				return nil, 0, false // two tones
			}
			tone, marked = t, true
			continue
		}
		if c == 'z' && seenVowel {
			marked = true
			continue
		}
		switch {
		case c == 'd' && last == 'd':
			out[len(out)-1], marked = 'đ', true
			continue
		case c == 'a' && last == 'a', c == 'e' && last == 'e', c == 'o' && last == 'o':
			out[len(out)-1], marked = map[byte]rune{'a': 'â', 'e': 'ê', 'o': 'ô'}[c], true
			continue
		case c == 'w':
			marked = true
			switch last {
			case 'a':
				out[len(out)-1] = 'ă'
			case 'o':
				out[len(out)-1] = 'ơ'
				if len(out) >= 2 && out[len(out)-2] == 'u' {
					out[len(out)-2] = 'ư' // uow → ươ
				}
			case 'u':
				out[len(out)-1] = 'ư'
			default:
				// "w" alone is ư; after a vowel pair ("uow" written "uwo"
				// is handled by the u case), a w after consonants too.
				if isVowel(last) {
					return nil, 0, false
				}
				out = append(out, 'ư')
				seenVowel = true
			}
			continue
		}
		out = append(out, rune(c))
		if isVowel(rune(c)) {
			seenVowel = true
		}
	}
	if !marked {
		return nil, 0, false
	}
	// "uwo" (ư then o) is also how people type ươ.
	for i := 0; i+1 < len(out); i++ {
		if out[i] == 'ư' && out[i+1] == 'o' {
			out[i+1] = 'ơ'
		}
	}
	return out, tone, true
}

// vniTones maps a VNI tone digit to its tone.
var vniTones = map[byte]uint8{'1': toneAcute, '2': toneGrave, '3': toneHook, '4': toneTilde, '5': toneDot}

// decodeVNI decodes the VNI digits of w (lower-case ASCII letters and
// digits 1–9, not first): the toneless syllable and the tone.
func decodeVNI(w string) ([]rune, uint8, bool) {
	var out []rune
	var tone uint8
	// lastOf returns the index in out of the last letter among set, or -1.
	lastOf := func(set string) int {
		for i := len(out) - 1; i >= 0; i-- {
			if strings.ContainsRune(set, out[i]) {
				return i
			}
		}
		return -1
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			out = append(out, rune(c))
			continue
		}
		if t, isTone := vniTones[c]; isTone {
			if tone != toneNone {
				return nil, 0, false
			}
			tone = t
			continue
		}
		switch c {
		case '6':
			k := lastOf("aeo")
			if k < 0 {
				return nil, 0, false
			}
			out[k] = map[rune]rune{'a': 'â', 'e': 'ê', 'o': 'ô'}[out[k]]
		case '7':
			k := lastOf("uo")
			if k < 0 {
				return nil, 0, false
			}
			if out[k] == 'o' {
				out[k] = 'ơ'
				if k > 0 && out[k-1] == 'u' {
					out[k-1] = 'ư' // uo7 → ươ
				}
			} else {
				out[k] = 'ư'
				if k+1 < len(out) && out[k+1] == 'o' {
					out[k+1] = 'ơ'
				}
			}
		case '8':
			k := lastOf("a")
			if k < 0 {
				return nil, 0, false
			}
			out[k] = 'ă'
		case '9':
			k := lastOf("d")
			if k < 0 {
				return nil, 0, false
			}
			out[k] = 'đ'
		default:
			return nil, 0, false
		}
	}
	return out, tone, true
}
