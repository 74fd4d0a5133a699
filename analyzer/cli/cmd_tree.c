/* `memtrace-report tree`: the process tree of a launcher run, each process
 * analyzed and summed up in one line (model/tree.h, report/tree_print.h).
 * A database of the tree that cannot be read fails the whole command: a
 * tree with a process missing would sum to the wrong totals. */
#include <stdio.h>

#include "analyzer/cli/commands.h"
#include "analyzer/cli/options.h"
#include "analyzer/model/tree.h"
#include "analyzer/report/tree_print.h"

/* the analysis options but --region: a region is one process's */
static const mtr_cli_cmd_t tree_cmd = {
    "tree", "RUN.db", 1,
    MTR_OPT(JSON) | MTR_OPT(PAYLOAD) | MTR_OPT(STALL_MS) | MTR_OPT(FLUSH_PIECES), 0};

int mtr_cmd_tree(int argc, char **argv)
{
    mtr_cli_args_t a;
    int parsed = mtr_cli_parse(&tree_cmd, argc, argv, &a);
    if (parsed)
        return mtr_cli_exit(parsed);
    mtr_tree_t t;
    char err[2048];
    if (mtr_tree_build(a.paths[0], &a.analysis, &t, err, sizeof err) < 0)
        return mtr_cli_fail("%s", err);
    if (a.json)
        mtr_tree_json(stdout, &t);
    else
        mtr_tree_text(stdout, &t);
    mtr_tree_free(&t);
    return 0;
}
