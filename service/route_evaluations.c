/* route_evaluations.c: GET /v1/evaluations: verdict history with since/until, the
 * instance filters and keyset paging; JSON or CSV like /v1/instances. */
#include "route_query.h"
#include "routes.h"

int route_evaluations_list(struct request *req, struct response *resp)
{
	return query_list(req, resp, 1);
}
