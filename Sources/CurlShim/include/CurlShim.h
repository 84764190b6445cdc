#ifndef HOOKRELAY_CURL_SHIM_H
#define HOOKRELAY_CURL_SHIM_H
#include <curl/curl.h>

/// Non-variadic wrappers around curl_easy_setopt / curl_easy_getinfo, which Swift cannot call.
CURLcode hr_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode hr_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode hr_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode hr_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode hr_easy_setopt_write_callback(CURL *handle, size_t (*callback)(char *, size_t, size_t, void *));
CURLcode hr_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode hr_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode hr_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);
CURLcode hr_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLMcode hr_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
#endif
