package auth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// cloudflowError shows the mapping the API layer applies to Verify's errors
// (the table in the package documentation).
func cloudflowError(err error) (status int, code, message string) {
	var (
		missingParam  *auth.MissingParamError
		missingHeader *auth.MissingHeaderError
		invalidParam  *auth.InvalidParamError
		invalidKey    *auth.InvalidKeyError
		skew          *auth.SkewError
	)
	switch {
	case errors.As(err, &missingParam):
		return 400, "MissingRequiredParams", fmt.Sprintf("The HTTP query '%s' must be specified.", missingParam.Name)
	case errors.As(err, &missingHeader):
		return 400, "MissingRequiredHeader", fmt.Sprintf("The HTTP header '%s' must be specified.", missingHeader.Name)
	case errors.As(err, &invalidParam):
		return 400, "InvalidArgument", "Parameter error. " + invalidParam.Name + " " + invalidParam.Reason + "."
	case errors.As(err, &invalidKey):
		return 403, "InvalidAccessKeyID", fmt.Sprintf("The AccessKey ID %s is invalid.", invalidKey.AccessKeyID)
	case errors.Is(err, auth.ErrSignatureMismatch):
		return 403, "SignatureNotMatch", "The request signature we calculated does not match the signature you provided. Check your access key and signing method."
	case errors.As(err, &skew):
		return 403, "RequestTimeTooSkewed", fmt.Sprintf("The difference between the request time %s and the current time %s is too large.",
			skew.RequestTime.Format(auth.TimeLayout), skew.ServerTime.Format(auth.TimeLayout))
	case errors.Is(err, auth.ErrNonceUsed):
		return 403, "SignatureNonceUsed", "Specified signature nonce was used already."
	case errors.Is(err, auth.ErrNonceCacheFull):
		return 429, "ResourceThrottled", "The request is throttled. Please try again later."
	}
	return 500, "InternalServerError", "An internal error has occurred. Please retry."
}

func ExampleVerifier_Verify() {
	keys, err := auth.ParseKeys("LTAI5tExample:secret@1234567890")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	v := auth.NewVerifier(keys, now, auth.Options{})
	fmt.Println("open:", v.Open(), keys)

	for _, target := range []string{
		"/?Action=ListFlows&Version=2019-03-15",
		"/?Action=ListFlows&AccessKeyId=LTAI5tExample&Signature=x&SignatureMethod=HMAC-SHA256&SignatureVersion=1.0&SignatureNonce=n&Timestamp=2025-01-01T00:00:00Z",
		"/?Action=ListFlows&AccessKeyId=nobody&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=n&Timestamp=2025-01-01T00:00:00Z",
		"/?Action=ListFlows&AccessKeyId=LTAI5tExample&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=n&Timestamp=2025-01-01T00:00:00Z",
	} {
		_, err := v.Verify(httptest.NewRequest(http.MethodGet, target, nil), nil, nil)
		fmt.Println(cloudflowError(err))
	}
	// Output:
	// open: false [LTAI5tExample@1234567890]
	// 400 MissingRequiredParams The HTTP query 'Signature' must be specified.
	// 400 InvalidArgument Parameter error. SignatureMethod must be HMAC-SHA1.
	// 403 InvalidAccessKeyID The AccessKey ID nobody is invalid.
	// 403 SignatureNotMatch The request signature we calculated does not match the signature you provided. Check your access key and signing method.
}
