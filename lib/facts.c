/* facts.c: the facts records shared by the providers (see facts.h). */
#include "facts.h"

#include <stdlib.h>

void instance_facts_finish(struct instance_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_tags; i++) {
		free(f->tags[i].key);
		free(f->tags[i].value);
	}
	free(f->tags);
	f->tags = NULL;
	f->n_tags = 0;
}
