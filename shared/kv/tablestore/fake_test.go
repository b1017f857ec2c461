package tablestore

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
	"github.com/aliyun/aliyun-tablestore-go-sdk/tablestore/otsprotocol"
	//lint:ignore SA1019 otsprotocol is generated for the APIv1 package the SDK itself uses
	"github.com/golang/protobuf/proto"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// wire is a stand-in Tablestore endpoint for offline tests of what the
// store sends and how it reads errors. It cannot store rows (the row format
// is the SDK's private plain buffer), so it answers writes with a chosen
// error or success and GetRow with "no such row".
type wire struct {
	mu       sync.Mutex
	requests map[string][][]byte // URI → request bodies
	errors   map[string]string   // URI → Tablestore error code to answer with
	url      string              // the stand-in's endpoint
}

func newWire(t *testing.T) (*wire, *Store) {
	t.Helper()
	w := &wire{requests: map[string][][]byte{}, errors: map[string]string{}}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	cfg := ots.NewDefaultTableStoreConfig()
	cfg.RetryTimes = 0
	s, err := New(ots.NewClientWithConfig(srv.URL, "inst", "ak", "sk", "", cfg), "t")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return w, s
}

func (w *wire) fail(uri, code string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errors[uri] = code
}

func (w *wire) bodies(uri string) [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.requests[uri]
}

func (w *wire) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, b := range w.requests {
		n += len(b)
	}
	return n
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	w.requests[r.URL.Path] = append(w.requests[r.URL.Path], body)
	code := w.errors[r.URL.Path]
	w.mu.Unlock()
	consumed := &otsprotocol.ConsumedCapacity{CapacityUnit: &otsprotocol.CapacityUnit{Read: proto.Int32(1), Write: proto.Int32(1)}}
	var resp proto.Message
	switch {
	case code != "":
		rw.WriteHeader(http.StatusForbidden)
		resp = &otsprotocol.Error{Code: proto.String(code), Message: proto.String("stand-in error")}
	case r.URL.Path == "/GetRow":
		resp = &otsprotocol.GetRowResponse{Consumed: consumed, Row: []byte{}}
	case r.URL.Path == "/PutRow":
		resp = &otsprotocol.PutRowResponse{Consumed: consumed}
	case r.URL.Path == "/DeleteRow":
		resp = &otsprotocol.DeleteRowResponse{Consumed: consumed}
	default:
		rw.WriteHeader(http.StatusBadRequest)
		resp = &otsprotocol.Error{Code: proto.String("OTSUnsupportedOperation"), Message: proto.String(r.URL.Path)}
	}
	out, err := proto.Marshal(resp)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = rw.Write(out)
}

// condition decodes the row condition of a PutRow or DeleteRow body.
func condition(t *testing.T, uri string, body []byte) *otsprotocol.Condition {
	t.Helper()
	switch uri {
	case "/PutRow":
		var req otsprotocol.PutRowRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Fatalf("decode PutRow: %v", err)
		}
		return req.Condition
	case "/DeleteRow":
		var req otsprotocol.DeleteRowRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Fatalf("decode DeleteRow: %v", err)
		}
		return req.Condition
	}
	t.Fatalf("no condition in %s", uri)
	return nil
}

// wantVersionCondition fails t unless cond is "ver == version" with
// FilterIfMissing set.
func wantVersionCondition(t *testing.T, cond *otsprotocol.Condition, exist otsprotocol.RowExistenceExpectation) {
	t.Helper()
	if cond.GetRowExistence() != exist {
		t.Fatalf("row existence = %v, want %v", cond.GetRowExistence(), exist)
	}
	if len(cond.ColumnCondition) == 0 {
		t.Fatal("request has no column condition, want ver == version")
	}
	var f otsprotocol.Filter
	if err := proto.Unmarshal(cond.ColumnCondition, &f); err != nil {
		t.Fatalf("decode filter: %v", err)
	}
	var single otsprotocol.SingleColumnValueFilter
	if f.GetType() != otsprotocol.FilterType_FT_SINGLE_COLUMN_VALUE || proto.Unmarshal(f.Filter, &single) != nil {
		t.Fatalf("column condition type %v, want a single-column filter", f.GetType())
	}
	if single.GetColumnName() != ColumnVersion || single.GetComparator() != otsprotocol.ComparatorType_CT_EQUAL || !single.GetFilterIfMissing() {
		t.Fatalf("column condition = (%s %v, FilterIfMissing %v), want (%s CT_EQUAL, true)",
			single.GetColumnName(), single.GetComparator(), single.GetFilterIfMissing(), ColumnVersion)
	}
}

func TestStore_PutIfAbsent_Wire(t *testing.T) {
	w, s := newWire(t)
	it, err := s.PutIfAbsent(context.Background(), "exec/a/f/run", []byte("v"))
	if err != nil || it.Key != "exec/a/f/run" || string(it.Value) != "v" || it.Version != 1 {
		t.Fatalf("PutIfAbsent = %+v, %v; want {exec/a/f/run v 1}", it, err)
	}
	puts := w.bodies("/PutRow")
	if len(puts) != 1 {
		t.Fatalf("%d PutRow requests, want 1", len(puts))
	}
	cond := condition(t, "/PutRow", puts[0])
	if cond.GetRowExistence() != otsprotocol.RowExistenceExpectation_EXPECT_NOT_EXIST || len(cond.ColumnCondition) != 0 {
		t.Fatalf("PutIfAbsent condition = %v, want EXPECT_NOT_EXIST only", cond)
	}
}

// TestStore_CompareAndSwap_Wire checks the condition sent and that a lost
// condition on a row that turns out to be missing reads as kv.ErrNotFound.
func TestStore_CompareAndSwap_Wire(t *testing.T) {
	w, s := newWire(t)
	w.fail("/PutRow", codeConditionCheckFail)
	_, err := s.CompareAndSwap(context.Background(), "k", 3, []byte("v"))
	if !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("CompareAndSwap(missing row) error = %v, want %v", err, kv.ErrNotFound)
	}
	puts := w.bodies("/PutRow")
	if len(puts) != 1 || len(w.bodies("/GetRow")) != 1 {
		t.Fatalf("%d PutRow, %d GetRow requests; want 1 and 1", len(puts), len(w.bodies("/GetRow")))
	}
	wantVersionCondition(t, condition(t, "/PutRow", puts[0]), otsprotocol.RowExistenceExpectation_EXPECT_EXIST)
}

// TestStore_Delete_Wire checks that a versioned delete carries its column
// condition on the wire (platforms.md 9.3 warns that DeleteRowChange once
// dropped it) and how lost conditions translate.
func TestStore_Delete_Wire(t *testing.T) {
	w, s := newWire(t)
	if err := s.Delete(context.Background(), "k", 4); err != nil {
		t.Fatalf("Delete(k, 4) = %v, want nil", err)
	}
	if err := s.Delete(context.Background(), "k", 0); err != nil {
		t.Fatalf("Delete(k, 0) = %v, want nil", err)
	}
	dels := w.bodies("/DeleteRow")
	if len(dels) != 2 {
		t.Fatalf("%d DeleteRow requests, want 2", len(dels))
	}
	wantVersionCondition(t, condition(t, "/DeleteRow", dels[0]), otsprotocol.RowExistenceExpectation_EXPECT_EXIST)
	if c := condition(t, "/DeleteRow", dels[1]); c.GetRowExistence() != otsprotocol.RowExistenceExpectation_EXPECT_EXIST || len(c.ColumnCondition) != 0 {
		t.Fatalf("unconditional Delete condition = %v, want EXPECT_EXIST only", c)
	}

	w.fail("/DeleteRow", codeConditionCheckFail)
	if err := s.Delete(context.Background(), "k", 0); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Delete(missing, 0) = %v, want %v", err, kv.ErrNotFound)
	}
	if err := s.Delete(context.Background(), "k", 2); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Delete(missing, 2) = %v, want %v (the follow-up GetRow finds no row)", err, kv.ErrNotFound)
	}
}

// TestStore_Errors_Wire checks that other Tablestore errors pass through
// wrapped, with their code reachable by errors.As, and match no sentinel.
func TestStore_Errors_Wire(t *testing.T) {
	w, s := newWire(t)
	w.fail("/GetRow", "OTSAuthFailed")
	_, err := s.Get(context.Background(), "k")
	var oe *ots.OtsError
	if !errors.As(err, &oe) || oe.Code != "OTSAuthFailed" {
		t.Fatalf("Get error = %v, want an *OtsError with code OTSAuthFailed", err)
	}
	for _, sentinel := range []error{kv.ErrNotFound, kv.ErrConditionFailed, kv.ErrClosed, kv.ErrInvalidKey} {
		if errors.Is(err, sentinel) {
			t.Fatalf("Get error %v matches %v, want no sentinel", err, sentinel)
		}
	}
	if !strings.Contains(err.Error(), "tablestore: get") {
		t.Fatalf("Get error = %q, want it to say what failed", err)
	}
}

// TestStore_NoRequest checks the calls that must fail before any request.
func TestStore_NoRequest(t *testing.T) {
	w, s := newWire(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Get canceled", func() error { _, err := s.Get(canceled, "k"); return err }, context.Canceled},
		{"PutIfAbsent canceled", func() error { _, err := s.PutIfAbsent(canceled, "k", nil); return err }, context.Canceled},
		{"List canceled", func() error { _, err := s.List(canceled, "", "", 0); return err }, context.Canceled},
		{"Get empty key", func() error { _, err := s.Get(ctx, ""); return err }, kv.ErrInvalidKey},
		{"CompareAndSwap long key", func() error {
			_, err := s.CompareAndSwap(ctx, strings.Repeat("k", kv.MaxKeySize+1), 1, nil)
			return err
		}, kv.ErrInvalidKey},
		{"PutIfAbsent value too large", func() error {
			_, err := s.PutIfAbsent(ctx, "k", make([]byte, MaxValueSize+1))
			return err
		}, ErrValueTooLarge},
		{"CompareAndSwap value too large", func() error {
			_, err := s.CompareAndSwap(ctx, "k", 1, make([]byte, MaxValueSize+1))
			return err
		}, ErrValueTooLarge},
		{"Delete key too long encoded", func() error { return s.Delete(ctx, strings.Repeat("\xff", 600), 0) }, kv.ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
		})
	}
	_ = s.Close()
	if _, err := s.Get(ctx, "k"); !errors.Is(err, kv.ErrClosed) {
		t.Fatalf("Get after Close = %v, want %v", err, kv.ErrClosed)
	}
	if n := w.count(); n != 0 {
		t.Fatalf("%d requests sent, want none", n)
	}
}
