package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Error codes (reference 11.2 and 11.3).
const (
	CodeActionNotSupported        = "ActionNotSupported"
	CodeAPIVersionNotSupported    = "APIVersionNotSupported"
	CodeEntityTooLarge            = "EntityTooLarge"
	CodeInvalidArgument           = "InvalidArgument"
	CodeMissingRequiredHeader     = "MissingRequiredHeader"
	CodeMissingRequiredParams     = "MissingRequiredParams"
	CodeAccessDenied              = "AccessDenied"
	CodeInvalidAccessKeyID        = "InvalidAccessKeyID"
	CodeRequestTimeTooSkewed      = "RequestTimeTooSkewed"
	CodeSignatureNotMatch         = "SignatureNotMatch"
	CodeSignatureNonceUsed        = "SignatureNonceUsed"
	CodeUnsupportedMediaType      = "UnsupportedMediaType"
	CodeResourceThrottled         = "ResourceThrottled"
	CodeInternalServerError       = "InternalServerError"
	CodeFlowAlreadyExists         = "FlowAlreadyExists"
	CodeConcurrentUpdateError     = "ConcurrentUpdateError"
	CodeFlowNotExists             = "FlowNotExists"
	CodeExecutionNotExists        = "ExecutionNotExists"
	CodeExecutionAlreadyExists    = "ExecutionAlreadyExists"
	CodeExecutionAlreadyCompleted = "ExecutionAlreadyCompleted"
	CodeTaskAlreadyCompleted      = "TaskAlreadyCompleted"
	CodeTaskInvalidState          = "TaskInvalidState"
	CodeScheduleNotExists         = "ScheduleNotExists"
	CodeScheduleAlreadyExists     = "ScheduleAlreadyExists"
	CodeMapRunNotExists           = "MapRunNotExists"
	// CodeMethodNotAllowed answers an HTTP method other than GET and POST
	// (a project addition; the cloud answers at its gateway).
	CodeMethodNotAllowed = "MethodNotAllowed"
	// CodeServiceUnavailable answers a connection beyond the server's
	// connection cap (a project addition).
	CodeServiceUnavailable = "ServiceUnavailable"
)

type codeInfo struct {
	status   int
	template string // fmt template; %s are the NewError arguments
}

// codes is the code → HTTP status + message table.
var codes = map[string]codeInfo{
	CodeActionNotSupported:        {http.StatusBadRequest, "The requested API operation '%s' is incorrect. Please check."},
	CodeAPIVersionNotSupported:    {http.StatusBadRequest, "The requested API version '%s' is not supported yet. Please check."},
	CodeEntityTooLarge:            {http.StatusBadRequest, "The payload size exceeds maximum allowed size (%s bytes)."},
	CodeInvalidArgument:           {http.StatusBadRequest, "Parameter error."},
	CodeMissingRequiredHeader:     {http.StatusBadRequest, "The HTTP header '%s' must be specified."},
	CodeMissingRequiredParams:     {http.StatusBadRequest, "The HTTP query '%s' must be specified."},
	CodeAccessDenied:              {http.StatusForbidden, "The resources doesn't belong to you."},
	CodeInvalidAccessKeyID:        {http.StatusForbidden, "The AccessKey ID %s is invalid."},
	CodeRequestTimeTooSkewed:      {http.StatusForbidden, "The difference between the request time %s and the current time %s is too large."},
	CodeSignatureNotMatch:         {http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your access key and signing method."},
	CodeSignatureNonceUsed:        {http.StatusForbidden, "Specified signature nonce was used already."},
	CodeUnsupportedMediaType:      {http.StatusUnsupportedMediaType, `The content type must be "application/json".`},
	CodeResourceThrottled:         {http.StatusTooManyRequests, "The request is throttled. Please try again later."},
	CodeInternalServerError:       {http.StatusInternalServerError, "An internal error has occurred. Please retry."},
	CodeFlowAlreadyExists:         {http.StatusConflict, "Flow %s already exists."},
	CodeConcurrentUpdateError:     {http.StatusConflict, "Update conflict, please retry."},
	CodeFlowNotExists:             {http.StatusNotFound, "Flow  %s does not exist."},
	CodeExecutionNotExists:        {http.StatusNotFound, "Execution %s for flow %s does not exist."},
	CodeExecutionAlreadyExists:    {http.StatusBadRequest, "Execution %s for flow %s already exists."},
	CodeExecutionAlreadyCompleted: {http.StatusBadRequest, "Execution '%s' for flow '%s' has already completed."},
	CodeTaskAlreadyCompleted:      {http.StatusBadRequest, "Task %s has already completed."},
	CodeTaskInvalidState:          {http.StatusConflict, "Task is in an invalid state, please retry."},
	CodeScheduleNotExists:         {http.StatusNotFound, "Schedule %s does not exist."},
	CodeScheduleAlreadyExists:     {http.StatusConflict, "Schedule %s already exists."},
	CodeMapRunNotExists:           {http.StatusNotFound, "MapRun %s does not exist."},
	CodeMethodNotAllowed:          {http.StatusMethodNotAllowed, "The HTTP method %s is not allowed: use GET or POST."},
	CodeServiceUnavailable:        {http.StatusServiceUnavailable, "The server is at its connection limit. Please try again later."},
}

// Error is an API error response: HTTP status, code and message (and, for
// InvalidArgument, a Description). It is a response value, not a failure of
// the server.
type Error struct {
	Status      int
	Code        string
	Message     string
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// NewError returns the error for a code of the table, its message template
// filled with args (strings). An unknown code yields InternalServerError.
func NewError(code string, args ...string) *Error {
	info, ok := codes[code]
	if !ok {
		info, code, args = codes[CodeInternalServerError], CodeInternalServerError, nil
	}
	msg := info.template
	if len(args) > 0 {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a
		}
		msg = fmt.Sprintf(info.template, vals...)
	}
	return &Error{Status: info.status, Code: code, Message: msg}
}

// InvalidArgument returns an InvalidArgument error whose message is
// "Parameter error. " followed by sentence, which also becomes the
// Description. sentence names the parameter and the rule it breaks.
func InvalidArgument(sentence string) *Error {
	e := NewError(CodeInvalidArgument)
	e.Message += " " + sentence
	e.Description = sentence
	return e
}

// missing returns MissingRequiredParams naming param.
func missing(param string) *Error { return NewError(CodeMissingRequiredParams, param) }

// maxIssues caps how many definition issues one message lists.
const maxIssues = 10

// ErrorFor maps an error returned by Options.Authenticate (the errors of
// auth.Verifier.Verify, as tabled in the auth package documentation) or by a
// use case to its API error. Extend the switch when a new domain error appears; an
// error it does not know is a failure of the server (500).
func ErrorFor(err error) *Error {
	var (
		apiErr  *Error
		argErr  *execution.ArgumentError
		modErr  *execution.ModeError
		resErr  *execution.ResourceError
		taskErr *execution.TaskError
	)
	if errors.Is(err, execution.ErrAccessDenied) {
		return NewError(CodeAccessDenied)
	}
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.Is(err, kv.ErrInvalidKey):
		// The parameters are checked before they reach a store; this is the
		// backstop for a name or token that still makes a key too long.
		return InvalidArgument("A name or token is longer than the service accepts.")
	case isAuthError(err):
		return authError(err)
	case errors.As(err, &argErr):
		if len(argErr.Issues) > 0 {
			return InvalidArgument(definitionSentence(argErr.Issues))
		}
		return InvalidArgument(argErr.Reason)
	case errors.As(err, &modErr):
		e := NewError(CodeActionNotSupported)
		e.Message = string(modErr.Mode) + " execution is not supported"
		return e
	case errors.As(err, &resErr):
		return resourceError(resErr)
	case errors.As(err, &taskErr):
		if errors.Is(taskErr.Err, execution.ErrTaskInvalidState) {
			return NewError(CodeTaskInvalidState)
		}
		return NewError(CodeTaskAlreadyCompleted, taskErr.Token)
	default:
		return NewError(CodeInternalServerError)
	}
}

// isAuthError reports whether err is one of auth.Verifier.Verify's errors.
func isAuthError(err error) bool {
	var invalidKey *auth.InvalidKeyError // may wrap a TokenVerifier's own error
	return errors.As(err, &invalidKey) ||
		errors.Is(err, auth.ErrMissingParam) || errors.Is(err, auth.ErrMissingHeader) ||
		errors.Is(err, auth.ErrInvalidParam) || errors.Is(err, auth.ErrSignatureMismatch) ||
		errors.Is(err, auth.ErrTimeSkewed) || errors.Is(err, auth.ErrNonceUsed) ||
		errors.Is(err, auth.ErrNonceCacheFull)
}

// authError maps an error of auth.Verifier.Verify (the table in the auth
// package documentation, reference 11.2 and 12.5).
func authError(err error) *Error {
	var (
		missingParam  *auth.MissingParamError
		missingHeader *auth.MissingHeaderError
		invalidParam  *auth.InvalidParamError
		invalidKey    *auth.InvalidKeyError
		skew          *auth.SkewError
	)
	switch {
	case errors.As(err, &missingParam):
		return missing(missingParam.Name)
	case errors.As(err, &missingHeader):
		return NewError(CodeMissingRequiredHeader, missingHeader.Name)
	case errors.As(err, &invalidParam):
		return InvalidArgument(invalidParam.Name + " " + invalidParam.Reason + ".")
	case errors.As(err, &invalidKey):
		return NewError(CodeInvalidAccessKeyID, invalidKey.AccessKeyID)
	case errors.Is(err, auth.ErrSignatureMismatch):
		return NewError(CodeSignatureNotMatch)
	case errors.As(err, &skew):
		return NewError(CodeRequestTimeTooSkewed,
			skew.RequestTime.UTC().Format(auth.TimeLayout), skew.ServerTime.UTC().Format(auth.TimeLayout))
	case errors.Is(err, auth.ErrNonceUsed):
		return NewError(CodeSignatureNonceUsed)
	case errors.Is(err, auth.ErrNonceCacheFull):
		return NewError(CodeResourceThrottled)
	default:
		return NewError(CodeInternalServerError)
	}
}

func resourceError(e *execution.ResourceError) *Error {
	switch {
	case errors.Is(e.Err, execution.ErrFlowNotFound):
		return NewError(CodeFlowNotExists, e.Flow)
	case errors.Is(e.Err, execution.ErrFlowExists):
		return NewError(CodeFlowAlreadyExists, e.Flow)
	case errors.Is(e.Err, execution.ErrExecutionNotFound):
		return NewError(CodeExecutionNotExists, e.Execution, e.Flow)
	case errors.Is(e.Err, execution.ErrExecutionExists):
		return NewError(CodeExecutionAlreadyExists, e.Execution, e.Flow)
	case errors.Is(e.Err, execution.ErrExecutionCompleted):
		return NewError(CodeExecutionAlreadyCompleted, e.Execution, e.Flow)
	case errors.Is(e.Err, execution.ErrConflict):
		return NewError(CodeConcurrentUpdateError)
	case errors.Is(e.Err, execution.ErrScheduleNotFound):
		return NewError(CodeScheduleNotExists, e.Schedule)
	case errors.Is(e.Err, execution.ErrScheduleExists):
		return NewError(CodeScheduleAlreadyExists, e.Schedule)
	case errors.Is(e.Err, execution.ErrMapRunNotFound):
		return NewError(CodeMapRunNotExists, e.MapRun)
	default:
		return NewError(CodeInternalServerError)
	}
}

// definitionSentence lists up to maxIssues located definition problems.
func definitionSentence(issues flow.Issues) string {
	parts := make([]string, 0, min(len(issues), maxIssues))
	for i, is := range issues {
		if i == maxIssues {
			break
		}
		parts = append(parts, is.String())
	}
	s := "Definition is invalid: " + strings.Join(parts, "; ")
	if n := len(issues) - maxIssues; n > 0 {
		s += fmt.Sprintf("; and %d more", n)
	}
	return strings.TrimSuffix(s, ".") + "."
}
