/* test_idset: ids added are found once sealed, others are not, the bound holds. */
#include <stdio.h>

#include "idset.h"
#include "status.h"
#include "tap.h"

int main(void)
{
	struct idset s;
	char id[32];
	int missing = 0, wrong = 0;

	idset_init(&s, 60000);
	CHECK(!idset_has(&s, "i-0"), "nothing before seal");
	for (int i = 0; i < 50000; i++) {
		snprintf(id, sizeof(id), "i-%017x", (unsigned)(i * 2));
		if (idset_add(&s, id) != IT_OK)
			missing++;
	}
	CHECK(missing == 0, "50,000 added");
	CHECK(!idset_has(&s, "i-00000000000000000"), "unsealed: no answers");
	idset_seal(&s);
	CHECK(idset_add(&s, "i-late") == IT_EINVAL, "no adds after seal");
	for (int i = 0; i < 50000; i++) {
		snprintf(id, sizeof(id), "i-%017x", (unsigned)(i * 2));
		missing += !idset_has(&s, id);
		snprintf(id, sizeof(id), "i-%017x", (unsigned)(i * 2 + 1));
		wrong += idset_has(&s, id);
	}
	CHECK(missing == 0 && wrong == 0, "every added id found (%d missing), no other (%d)", missing, wrong);
	CHECK(s.cap <= 60000, "no more room than the bound: %zu", s.cap);
	idset_finish(&s);

	idset_init(&s, 2);
	CHECK(idset_add(&s, "a") == IT_OK && idset_add(&s, "b") == IT_OK && idset_add(&s, "c") == IT_EFULL, "bounded");
	CHECK(idset_add(&s, NULL) == IT_EINVAL, "NULL refused");
	idset_seal(&s);
	CHECK(idset_has(&s, "a") && idset_has(&s, "b") && !idset_has(&s, "c") && !idset_has(&s, NULL), "two of three");
	idset_finish(&s);
	idset_init(&s, 4);
	idset_seal(&s);
	CHECK(!idset_has(&s, "a"), "empty sealed set");
	idset_finish(&s);
	return tap_done();
}
