using OrleansRep.Simulation.Scenarios;

namespace OrleansRep.Simulation.Tests.Scenarios;

public sealed class ScenarioRunnerTests
{
    private static ScenarioResult Run(string text) => ScenarioRunner.Run(ScenarioScript.Parse("t.txt", text));

    [Fact]
    public void Matching_output_passes_and_a_mismatch_gives_a_diff_naming_the_line_and_command()
    {
        var good = Run("sites 2\n----\n2 sites: site1 prio 100, site2 prio 100; ack Quorum\n\nstart 1 client\n----\nsite1 command start client\nsite1 persist role Client gen 0 egen 1 master none\nsite1 event CLIENT gen 0\nsite1 send NEWCLIENT from site1 gen 0 lsn [1][32] to all\n");
        Assert.True(good.Matches, good.Diff());
        Assert.Equal("", good.Diff());

        var bad = Run("sites 2\n----\n2 sites: site1 prio 100, site2 prio 100; ack Quorum\n\nstart 1 client\n----\nsite1 event MASTER gen 1\nsite1 command start client\nsite1 persist role Client gen 0 egen 1 master none\nsite1 event CLIENT gen 0\nsite1 send NEWCLIENT from site1 gen 0 lsn [1][32] to all\n");
        Assert.False(bad.Matches);
        Assert.StartsWith("t.txt:5: start 1 client\n  - site1 event MASTER gen 1\n    site1 command start client\n", bad.Diff(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_without_an_expected_block_never_matches_and_rewrite_adds_it()
    {
        var result = Run("sites 1 priorities 7\n");
        Assert.False(result.Matches);
        Assert.Contains("(no ---- block: expected output missing)", result.Diff(), StringComparison.Ordinal);
        Assert.Equal("sites 1 priorities 7\n----\n1 sites: site1 prio 7; ack Quorum\n", result.Rewritten);
        Assert.True(Run(result.Rewritten).Matches);
    }

    [Fact]
    public void Time_moves_only_with_tick_and_run_and_messages_only_when_delivered()
    {
        var result = Run("""
            sites 2 disk 2ms
            ----

            send 1->2 alive_req
            ----

            append 2 1
            ----

            flush 2
            ----

            tick 1ms
            ----

            run 1ms
            ----

            status
            ----
            """);

        Assert.Equal(["in flight site1->site2 ALIVEREQ from site1 gen 0 lsn [0][0]"], result.Outputs[1]);
        Assert.Empty(result.Outputs[4]);
        Assert.Equal(["site2 recv ALIVEREQ from site1 gen 0 lsn [0][0]", "site2 durable to [1][80]"], result.Outputs[5]);
    }

    [Fact]
    public void Partitions_and_cuts_lose_the_messages_that_cross_them()
    {
        var result = Run("sites 3\n----\n\npartition 1 | 2 3\n----\n\nsend 1->2 alive_req\n----\n\ncut 2->3\n----\n\nsend 3->2 alive_req\n----\n\nsend 2->3 alive_req\n----\n\ndeliver\n----\n");
        Assert.Equal(
            ["partition site1 | site2 site3", "site1 disconnected from site2", "site2 disconnected from site1", "site1 disconnected from site3", "site3 disconnected from site1"],
            result.Outputs[1]);
        Assert.Equal(["lost site1->site2 (link cut)"], result.Outputs[2]);
        Assert.Equal(["lost site2->site3 (link cut)"], result.Outputs[5]);
        Assert.Equal(["site2 recv ALIVEREQ from site3 gen 0 lsn [0][0]"], result.Outputs[6]);
    }

    [Fact]
    public void Hide_leaves_the_sends_and_receipts_of_a_message_type_out_of_the_trace_and_show_puts_them_back()
    {
        var result = Run("sites 2\n----\n\nhide alive_req\n----\n\nsend 1->2 alive_req\n----\n\nsend 1->2 alive\n----\n\ndeliver\n----\n\nshow ALIVEREQ\n----\n\nsend 1->2 alive_req\n----\n\ndeliver\n----\n");
        Assert.Equal(["not shown: sends and receipts of ALIVEREQ"], result.Outputs[1]);
        Assert.Equal(["in flight site1->site2 ALIVEREQ from site1 gen 0 lsn [0][0]"], result.Outputs[2]); // the command's own report stays
        Assert.Equal(["site2 recv ALIVE from site1 gen 0 lsn [0][0]"], result.Outputs[4]);
        Assert.Equal(["every message shown"], result.Outputs[5]);
        Assert.Equal(["site2 recv ALIVEREQ from site1 gen 0 lsn [0][0]"], result.Outputs[7]);
    }

    [Fact]
    public void Commands_to_a_crashed_site_are_reported_not_done()
    {
        var result = Run("sites 2\n----\n\ncrash 2\n----\n\nelect 2\n----\n\npropose 2 1\n----\n");
        Assert.Equal(["site2 is down: 'elect' not done"], result.Outputs[2]);
        Assert.Equal(["site2 is down: 'propose' not done"], result.Outputs[3]);
    }

    [Theory]
    [InlineData("status", "t.txt:1: the first command must be 'sites'")]
    [InlineData("sites 2\nfly 1", "t.txt:2: unknown command 'fly'")]
    [InlineData("sites 2\nstart 3 master", "t.txt:2: no site 3")]
    [InlineData("sites 2\nstart 1 boss", "t.txt:2: a site starts as master, client or election, not boss")]
    [InlineData("sites 2\ntick soon", "t.txt:2: expected a duration (250us, 40ms, 2s), not soon")]
    [InlineData("sites 2\npartition 1 2", "t.txt:2: partition needs groups separated by '|', e.g. 'partition 1 | 2 3'")]
    [InlineData("sites 2 ack most", "t.txt:1: no ack policy most")]
    public void A_malformed_command_is_reported_with_its_line(string text, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => Run(text));
        Assert.Equal(message, e.Message);
    }
}
