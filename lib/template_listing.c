/* template_listing.c: listing a Region's launch templates for the sweep (see template_listing.h). */
#include "template_listing.h"

#include <stdlib.h>
#include <string.h>

#include "aws_ec2.h"
#include "launch_template.h"
#include "status.h"

struct entry {
	char *template_id, *name;
	int64_t default_version, latest_version;
	struct {
		int64_t number;
		int is_default;
		char *image;
	} v[IT_LT_SWEEP_VERSIONS];
	size_t n;
};

struct list {
	struct entry *e;
	size_t n, cap;
};

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].template_id);
		free(l->e[i].name);
		for (size_t k = 0; k < l->e[i].n; k++)
			free(l->e[i].v[k].image);
	}
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static int add_template(struct list *l, const struct aws_ec2_launch_template *t)
{
	struct entry *e;

	/* ids EC2 would never answer are not kept: they could not be judged or stored */
	if (!valid_launch_template_id(t->template_id))
		return IT_OK;
	if (l->n >= IT_LT_MAX_LISTED)
		return IT_ETOOBIG;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct entry *ne = realloc(l->e, cap * sizeof(*ne));
		if (!ne)
			return IT_ENOMEM;
		l->e = ne;
		l->cap = cap;
	}
	e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	e->template_id = strdup(t->template_id);
	e->name = t->name ? strdup(t->name) : NULL;
	if (!e->template_id || (t->name && !e->name)) {
		free(e->template_id);
		free(e->name);
		return IT_ENOMEM;
	}
	e->default_version = t->default_version;
	e->latest_version = t->latest_version;
	l->n++;
	return IT_OK;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->template_id, ((const struct entry *)b)->template_id);
}

static int add_version(struct list *l, const struct aws_ec2_lt_version *v)
{
	struct entry key, *e;

	if (!v->template_id)
		return IT_OK;
	key.template_id = v->template_id;
	e = bsearch(&key, l->e, l->n, sizeof(*l->e), by_id);
	if (!e)
		return IT_OK;                  /* created after the first call: next sweep */
	for (size_t k = 0; k < e->n; k++)
		if (e->v[k].number == v->number)
			return IT_OK;          /* $Default and $Latest are one version */
	if (e->n >= IT_LT_SWEEP_VERSIONS)
		return IT_OK;                  /* EC2 answers two per template at most */
	e->v[e->n].number = v->number;
	e->v[e->n].is_default = v->is_default == 1;
	e->v[e->n].image = v->image_id ? strdup(v->image_id) : NULL;
	if (v->image_id && !e->v[e->n].image)
		return IT_ENOMEM;
	e->n++;
	return IT_OK;
}

int template_listing(struct aws_ctx *ctx, const char *account, const char *region, lt_listed_fn fn, void *fctx,
		     size_t *ret_n, struct aws_error *err)
{
	static const char *const both[] = {"$Default", "$Latest"};
	struct list l;
	char *tok = NULL;
	int pages = 0, rc = IT_OK;

	memset(&l, 0, sizeof(l));
	do {
		struct aws_ec2_launch_templates r;
		rc = aws_ec2_list_launch_templates(ctx, account, region, tok, &r, err);
		free(tok);
		tok = NULL;
		if (rc)
			goto out;
		for (size_t i = 0; rc == IT_OK && i < r.n; i++)
			rc = add_template(&l, &r.items[i]);
		if (rc == IT_OK && r.next_token && !(tok = strdup(r.next_token)))
			rc = IT_ENOMEM;
		aws_ec2_launch_templates_free(&r);
		if (rc)
			goto out;
	} while (tok && ++pages < IT_AWS_MAX_PAGES);
	free(tok);
	tok = NULL;
	if (l.n > 1)   /* l.e is NULL when the Region has none: qsort wants an array */
		qsort(l.e, l.n, sizeof(*l.e), by_id);
	if (l.n) {
		pages = 0;
		do {
			struct aws_ec2_lt_versions r;
			rc = aws_ec2_describe_lt_versions(ctx, account, region, NULL, both, 2, 0, tok, &r, err);
			free(tok);
			tok = NULL;
			if (rc)
				goto out;
			for (size_t i = 0; rc == IT_OK && i < r.n; i++)
				rc = add_version(&l, &r.items[i]);
			if (rc == IT_OK && r.next_token && !(tok = strdup(r.next_token)))
				rc = IT_ENOMEM;
			aws_ec2_lt_versions_free(&r);
			if (rc)
				goto out;
		} while (tok && ++pages < IT_AWS_MAX_PAGES);
	}
	for (size_t i = 0; rc == IT_OK && i < l.n; i++) {
		struct lt_listed t;
		memset(&t, 0, sizeof(t));
		t.template_id = l.e[i].template_id;
		t.name = l.e[i].name;
		t.default_version = l.e[i].default_version;
		t.latest_version = l.e[i].latest_version;
		t.n = l.e[i].n;
		for (size_t k = 0; k < t.n; k++) {
			t.v[k].number = l.e[i].v[k].number;
			t.v[k].is_default = l.e[i].v[k].is_default || l.e[i].v[k].number == t.default_version;
			t.v[k].image = l.e[i].v[k].image;
		}
		rc = fn(fctx, &t);
	}
	if (rc == IT_OK && ret_n)
		*ret_n = l.n;
out:
	free(tok);
	list_free(&l);
	return rc;
}
