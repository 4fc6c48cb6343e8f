// SOURCES: kernel/lib/cmdline.c
/*
 * Host test for kernel/lib/cmdline.c, linked against libc: the parser
 * only uses string functions that libc provides with the same meaning.
 */
#include <alloy/cmdline.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* NULL-safe string equality for the expectations below. */
static bool same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define EXPECT_GET(key, want)						\
	CHECK(same(cmdline_get(key), want), "get(%s) = \"%s\", want \"%s\"", \
	      key, cmdline_get(key) ? cmdline_get(key) : "(NULL)",	\
	      (want) ? (const char *)(want) : "(NULL)")

static void test_basic(void)
{
	cmdline_init("console=ttyS0 quiet  loglevel=7 root= init=/sbin/init");
	EXPECT_GET("console", "ttyS0");
	EXPECT_GET("quiet", "");
	EXPECT_GET("loglevel", "7");
	EXPECT_GET("root", "");
	EXPECT_GET("init", "/sbin/init");
	EXPECT_GET("absent", NULL);
	EXPECT_GET("consol", NULL);
	EXPECT_GET("console=ttyS0", NULL);
	EXPECT_GET("", NULL);
	CHECK(cmdline_get(NULL) == NULL, "get(NULL)");
	CHECK(cmdline_has("quiet"), "has bare key");
	CHECK(cmdline_has("root"), "has key with empty value");
	CHECK(!cmdline_has("loud"), "has absent key");
	CHECK(same(cmdline_raw(),
		   "console=ttyS0 quiet  loglevel=7 root= init=/sbin/init"),
	      "raw keeps the original text");
}

static void test_last_wins(void)
{
	cmdline_init("a=1 b a=2 b=x a=3");
	EXPECT_GET("a", "3");
	EXPECT_GET("b", "x");
	cmdline_init("b=x b");
	EXPECT_GET("b", "");
}

static void test_quotes_and_space(void)
{
	cmdline_init("init=\"a b  c\" x=1 \"quoted key\"=v \"spaced word\"");
	EXPECT_GET("init", "a b  c");
	EXPECT_GET("x", "1");
	EXPECT_GET("quoted key", "v");
	EXPECT_GET("spaced word", "");

	cmdline_init("\t a=\"1=2\"\n\tb=c\"d e\"f  \r\n");
	EXPECT_GET("a", "1=2");
	EXPECT_GET("b", "cd ef");

	cmdline_init("k=\"unterminated value with spaces");
	EXPECT_GET("k", "unterminated value with spaces");

	cmdline_init("e=\"\" \"\" = =v z");
	EXPECT_GET("e", "");
	EXPECT_GET("z", "");
	EXPECT_GET("", NULL);
}

static void test_empty(void)
{
	cmdline_init("");
	CHECK(same(cmdline_raw(), ""), "empty raw");
	EXPECT_GET("a", NULL);
	cmdline_init("    \t ");
	EXPECT_GET("a", NULL);
	cmdline_init(NULL);
	CHECK(same(cmdline_raw(), ""), "NULL gives empty raw");
	EXPECT_GET("a", NULL);
}

/* Re-initialising forgets the previous line entirely. */
static void test_reinit(void)
{
	cmdline_init("first=1");
	cmdline_init("second=2");
	EXPECT_GET("first", NULL);
	EXPECT_GET("second", "2");
}

static void test_long_line(void)
{
	char *line = malloc(2001);
	size_t i;

	/* "x=" then 1998 'y's: the value is cut to fit 1023 characters. */
	memset(line, 'y', 2000);
	line[0] = 'x';
	line[1] = '=';
	line[2000] = '\0';
	cmdline_init(line);
	CHECK(strlen(cmdline_raw()) == 1023 &&
	      strncmp(cmdline_raw(), line, 1023) == 0, "raw cut to 1023");
	CHECK(cmdline_get("x") && strlen(cmdline_get("x")) == 1021,
	      "value cut with the line");

	/* A token straddling the limit is cut; the one past it is gone. */
	memset(line, ' ', 2000);
	memcpy(line, "a=1", 3);
	memcpy(line + 1017, "long=abcdefgh after=1", 21);
	cmdline_init(line);
	EXPECT_GET("a", "1");
	EXPECT_GET("long", "a");
	EXPECT_GET("after", NULL);

	/* Exactly 1023 characters are kept whole. */
	for (i = 0; i < 1023; i++)
		line[i] = 'k';
	line[1023] = '\0';
	cmdline_init(line);
	CHECK(strlen(cmdline_raw()) == 1023, "1023 characters kept");
	CHECK(cmdline_has(line), "1023-character key found");
	free(line);
}

static void test_many_tokens(void)
{
	char line[1024], key[16];
	size_t len = 0;
	int i;

	for (i = 0; i < 70; i++)
		len += sprintf(line + len, "k%d=%d ", i, i);
	cmdline_init(line);
	CHECK(cmdline_int("k0", -1) == 0, "first token");
	CHECK(cmdline_int("k63", -1) == 63, "64th token kept");
	CHECK(!cmdline_has("k64"), "65th token dropped");
	CHECK(!cmdline_has("k69"), "70th token dropped");
	for (i = 0; i < 64; i++) {
		sprintf(key, "k%d", i);
		if (cmdline_int(key, -1) != i)
			break;
	}
	CHECK(i == 64, "all 64 kept tokens readable (stopped at %d)", i);
}

static void test_int(void)
{
	cmdline_init("a=42 b=-7 c=0x10 d=010 e=4K f=64M g=2G h=3k i=5m j=1g "
		     "bad=12abc empty= bare sp=\" 5\" kk=1KK x=0xK neg=-2M "
		     "big=9223372036854775807 huge=99999999999999999999 "
		     "bigk=9223372036854775807K nbigk=-9223372036854775807G "
		     "z=0 zk=0K t=7T");
	CHECK(cmdline_int("a", -1) == 42, "decimal");
	CHECK(cmdline_int("b", -1) == -7, "negative");
	CHECK(cmdline_int("c", -1) == 16, "hex");
	CHECK(cmdline_int("d", -1) == 8, "octal");
	CHECK(cmdline_int("e", -1) == 4096, "K suffix");
	CHECK(cmdline_int("f", -1) == 64LL << 20, "M suffix");
	CHECK(cmdline_int("g", -1) == 2LL << 30, "G suffix");
	CHECK(cmdline_int("h", -1) == 3LL << 10, "k suffix");
	CHECK(cmdline_int("i", -1) == 5LL << 20, "m suffix");
	CHECK(cmdline_int("j", -1) == 1LL << 30, "g suffix");
	CHECK(cmdline_int("neg", -1) == -(2LL << 20), "negative with suffix");
	CHECK(cmdline_int("z", -1) == 0, "zero");
	CHECK(cmdline_int("zk", -1) == 0, "zero with suffix");
	CHECK(cmdline_int("bad", -1) == -1, "trailing junk gives default");
	CHECK(cmdline_int("empty", -1) == -1, "empty value gives default");
	CHECK(cmdline_int("bare", -1) == -1, "bare key gives default");
	CHECK(cmdline_int("absent", 99) == 99, "absent key gives default");
	CHECK(cmdline_int("kk", -1) == -1, "double suffix gives default");
	CHECK(cmdline_int("x", -1) == -1, "prefix without digits");
	CHECK(cmdline_int("t", -1) == -1, "unknown suffix gives default");
	CHECK(cmdline_int("sp", -1) == 5, "leading space is skipped");
	CHECK(cmdline_int("big", -1) == 9223372036854775807LL, "LLONG_MAX");
	CHECK(cmdline_int("huge", -1) == 9223372036854775807LL,
	      "too large saturates");
	CHECK(cmdline_int("bigk", -1) == 9223372036854775807LL,
	      "suffix overflow saturates");
	CHECK(cmdline_int("nbigk", -1) == -9223372036854775807LL - 1,
	      "negative suffix overflow saturates");
}

static void test_list(void)
{
	cmdline_init("ktest=sched_pingpong,timer all=all mixed=a,all,b "
		     "one=timer bare empty= commas=,,x,, tricky=allx,xall");
	CHECK(cmdline_list_has("ktest", "timer"), "last element");
	CHECK(cmdline_list_has("ktest", "sched_pingpong"), "first element");
	CHECK(!cmdline_list_has("ktest", "sched"), "prefix is no match");
	CHECK(!cmdline_list_has("ktest", "pingpong"), "suffix is no match");
	CHECK(!cmdline_list_has("ktest", "timer,"), "comma is no match");
	CHECK(!cmdline_list_has("ktest", "sched_pingpong,timer"),
	      "whole list is no match");
	CHECK(cmdline_list_has("all", "anything"), "all matches anything");
	CHECK(cmdline_list_has("mixed", "zzz"), "all inside a list");
	CHECK(cmdline_list_has("one", "timer"), "single element");
	CHECK(!cmdline_list_has("one", "time"), "single element prefix");
	CHECK(!cmdline_list_has("bare", "x"), "bare key has no elements");
	CHECK(!cmdline_list_has("empty", "x"), "empty value has no elements");
	CHECK(!cmdline_list_has("empty", ""), "empty item never matches");
	CHECK(cmdline_list_has("commas", "x"), "empty elements skipped");
	CHECK(!cmdline_list_has("commas", ""), "empty element no match");
	CHECK(!cmdline_list_has("tricky", "y"), "allx/xall are not all");
	CHECK(!cmdline_list_has("absent", "timer"), "absent key");
	CHECK(!cmdline_list_has("ktest", NULL), "NULL item");
}

int main(void)
{
	test_basic();
	test_last_wins();
	test_quotes_and_space();
	test_empty();
	test_reinit();
	test_long_line();
	test_many_tokens();
	test_int();
	test_list();
	return check_done();
}
