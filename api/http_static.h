/* The conference page and its scripts, served from web_dir. */
#ifndef PARLEY_HTTP_STATIC_H
#define PARLEY_HTTP_STATIC_H

#include "api/http.h"

/* GET/HEAD of path under root ("/" is index.html). 404 for anything
 * missing or outside root (no "..", no symlinks out). */
void http_static_serve(const char *root, const struct http_request *req, struct http_response *resp);

#endif
