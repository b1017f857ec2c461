package action

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

const casesSrc = `
States:
  Charge: {Return: {paid: true}}
Actions:
  HTTP:Request: {Return: {Code: 200}}
Cases:
  declined:
    States:
      Charge: [{Error: FC.ResourceThrottled}, {Error: Payment.Declined, Cause: card}]
  slow-http:
    Actions:
      HTTP:Request: {Return: {Code: 503}}
`

func TestCaseOf(t *testing.T) {
	tests := []struct{ name, execution, want string }{
		{"plain", "order-7", ""},
		{"suffix", "order-7__declined", "declined"},
		{"last separator wins", "a__b__slow-http", "slow-http"},
		{"sync uuid ignored", "order-7__declined:5f0c7a1e-1111-4222-8333-944455556666", "declined"},
		{"single underscore", "order_7", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CaseOf(tc.execution); got != tc.want {
				t.Errorf("CaseOf(%q) = %q, want %q", tc.execution, got, tc.want)
			}
		})
	}
}

func TestMock_Invoke_Cases(t *testing.T) {
	m := mustMock(t, casesSrc)
	ctx := context.Background()
	if got, err := m.Invoke(ctx, call("o1", "Charge", "FC:InvokeFunction")); err != nil || !reflect.DeepEqual(got, map[string]any{"paid": true}) {
		t.Errorf("no case: Invoke = %v, %v; want the base Return", got, err)
	}
	var names []string
	for range 3 {
		_, err := m.Invoke(ctx, call("o2__declined", "Charge", "FC:InvokeFunction"))
		var ie *interp.Error
		if !errors.As(err, &ie) {
			t.Fatalf("declined: Invoke error = %v, want an *interp.Error", err)
		}
		names = append(names, ie.Name)
	}
	if want := []string{"FC.ResourceThrottled", "Payment.Declined", "Payment.Declined"}; !reflect.DeepEqual(names, want) {
		t.Errorf("declined errors = %v, want %v", names, want)
	}
	// A case without an entry for the state falls back to the base entries.
	if got, err := m.Invoke(ctx, call("o3__slow-http", "Charge", "FC:InvokeFunction")); err != nil || !reflect.DeepEqual(got, map[string]any{"paid": true}) {
		t.Errorf("slow-http Charge = %v, %v; want the base Return", got, err)
	}
	if got, _ := m.Invoke(ctx, call("o3__slow-http", "Notify", "HTTP:Request")); !reflect.DeepEqual(got, map[string]any{"Code": int64(503)}) {
		t.Errorf("slow-http HTTP:Request = %#v, want Code 503", got)
	}
	// An unknown case reads the base entries.
	if got, _ := m.Invoke(ctx, call("o4__nosuch", "Notify", "HTTP:Request")); !reflect.DeepEqual(got, map[string]any{"Code": int64(200)}) {
		t.Errorf("unknown case HTTP:Request = %#v, want Code 200", got)
	}
	if got, want := m.Cases(), []string{"declined", "slow-http"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Cases() = %v, want %v", got, want)
	}
}

func TestParseMock_BadCases(t *testing.T) {
	_, err := ParseMock([]byte("Cases:\n  a__b: {}\n  ok:\n    Sates: {}\n"), nil)
	want := "Cases.a__b (line 2, column 3): case name \"a__b\": want letters, digits and single '-' or '_' (it is the suffix after \"__\" of execution names); " +
		"Cases.ok.Sates (line 4, column 5): unknown key; want States or Actions"
	if err == nil || err.Error() != want {
		t.Errorf("ParseMock = %v\nwant %s", err, want)
	}
}

func TestLoadMockFile_Reloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mock.yaml")
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("States: {A: {Return: 1}}\n")
	m, err := LoadMockFile(path, &fakeClock{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, _ := m.Invoke(ctx, call("e", "A", "X:Y")); got != int64(1) {
		t.Fatalf("first version: %v, want 1", got)
	}
	// An invalid version is ignored; the previous one keeps answering.
	write("States: {A: {Retrun: 2}}\n")
	time.Sleep(ReloadInterval + 50*time.Millisecond)
	if got, _ := m.Invoke(ctx, call("e", "A", "X:Y")); got != int64(1) {
		t.Fatalf("after an invalid edit: %v, want 1", got)
	}
	write("States: {A: {Return: 22}}\nCases: {c: {States: {A: {Return: 3}}}}\n")
	time.Sleep(ReloadInterval + 50*time.Millisecond)
	if got, _ := m.Invoke(ctx, call("e2", "A", "X:Y")); got != int64(22) {
		t.Errorf("after a valid edit: %v, want 22", got)
	}
	if got, _ := m.Invoke(ctx, call("e2__c", "A", "X:Y")); got != int64(3) {
		t.Errorf("new case c: %v, want 3", got)
	}
}
