package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want []Key // nil with wantErr
	}{
		{"Empty", "", []Key{}},
		{"Spaces", "   ", []Key{}},
		{"OneDefaultAccount", "AK1:sec1", []Key{{"AK1", "sec1", "AK1"}}},
		{"Account", "AK1:sec1@1234567890", []Key{{"AK1", "sec1", "1234567890"}}},
		{"Several", " AK1:sec1 , AK2:sec2@acct ", []Key{{"AK1", "sec1", "AK1"}, {"AK2", "sec2", "acct"}}},
		{"SecretWithColon", "AK1:a:b@acct", []Key{{"AK1", "a:b", "acct"}}},
		{"SecretWithAt", "AK1:a@b@acct", []Key{{"AK1", "a@b", "acct"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := ParseKeys(tc.spec)
			if err != nil {
				t.Fatalf("ParseKeys(%q) = %v", tc.spec, err)
			}
			if ks.Len() != len(tc.want) {
				t.Fatalf("ParseKeys(%q).Len() = %d, want %d", tc.spec, ks.Len(), len(tc.want))
			}
			for _, w := range tc.want {
				if got, ok := ks.Lookup(w.ID); !ok || got != w {
					t.Errorf("Lookup(%q) = %v, %v; want %v", w.ID, got, ok, w)
				}
			}
		})
	}
}

func TestParseKeys_Errors(t *testing.T) {
	const secret = "TOPSECRETvalue"
	tests := []struct {
		name      string
		spec      string
		wantEntry int
		wantID    string
	}{
		{"NoColon", secret, 1, ""},
		{"EmptyID", ":" + secret, 1, ""},
		{"EmptySecret", "AK1:", 1, "AK1"},
		{"EmptySecretWithAccount", "AK1:@acct", 1, "AK1"},
		{"EmptyAccount", "AK1:" + secret + "@", 1, "AK1"},
		{"BadAccount", "AK1:" + secret + "@a/b", 1, "AK1"},
		{"BadID", "A K:" + secret, 1, ""},
		{"Duplicate", "AK1:" + secret + ",AK1:" + secret + "2", 2, "AK1"},
		{"EmptyEntry", "AK1:" + secret + ",,AK2:x", 2, ""},
		{"TrailingComma", "AK1:" + secret + ",", 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKeys(tc.spec)
			var e *KeySpecError
			if !errors.As(err, &e) {
				t.Fatalf("ParseKeys(%q) = %v, want *KeySpecError", tc.spec, err)
			}
			if e.Entry != tc.wantEntry || e.AccessKeyID != tc.wantID {
				t.Errorf("ParseKeys(%q) error entry %d id %q, want %d %q", tc.spec, e.Entry, e.AccessKeyID, tc.wantEntry, tc.wantID)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestKeys_String_NoSecrets(t *testing.T) {
	ks, err := ParseKeys("AK2:hunter2@acct,AK1:swordfish")
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ks.Lookup("AK1")
	for _, s := range []string{ks.String(), fmt.Sprint(ks), fmt.Sprintf("%+v %#v", ks, ks), k.String(), fmt.Sprintf("%v %+v %#v", k, k, k)} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "swordfish") {
			t.Errorf("%q leaks a secret", s)
		}
	}
	if got, want := ks.String(), "[AK1@AK1 AK2@acct]"; got != want {
		t.Errorf("Keys.String() = %q, want %q", got, want)
	}
}

func FuzzParseKeys(f *testing.F) {
	for _, s := range []string{"", "AK:s", "AK:s@a,B:t", "AK:s@", ":", ",", "AK:a@b@c", "é:ü@ß", "AK:s,AK:t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ks, err := ParseKeys(spec)
		if err != nil {
			var e *KeySpecError
			if !errors.As(err, &e) {
				t.Fatalf("ParseKeys(%q) error %T, want *KeySpecError", spec, err)
			}
			return
		}
		// The printed forms must not depend on the secrets: the same keys
		// with other secrets print identically (a substring test would
		// misfire on a secret such as "@000" that equals "@" + the account).
		other := make([]Key, 0, ks.Len())
		for _, id := range ks.IDs() {
			k, _ := ks.Lookup(id)
			if k.Secret == "" || !validName(k.ID) || !validName(k.AccountID) {
				t.Fatalf("ParseKeys(%q) accepted bad key %v", spec, k)
			}
			if got, want := k.String(), (Key{ID: k.ID, AccountID: k.AccountID, Secret: "x" + k.Secret}).String(); got != want {
				t.Fatalf("Key.String() of %q depends on the secret: %q vs %q", id, got, want)
			}
			other = append(other, Key{ID: k.ID, AccountID: k.AccountID, Secret: "x" + k.Secret})
		}
		ks2, err := NewKeys(other...)
		if err != nil {
			t.Fatalf("NewKeys(same keys, other secrets): %v", err)
		}
		if ks.String() != ks2.String() {
			t.Fatalf("Keys.String() depends on the secrets: %q vs %q", ks.String(), ks2.String())
		}
	})
}
