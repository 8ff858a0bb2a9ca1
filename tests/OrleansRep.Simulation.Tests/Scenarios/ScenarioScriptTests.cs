using OrleansRep.Simulation.Scenarios;

namespace OrleansRep.Simulation.Tests.Scenarios;

public sealed class ScenarioScriptTests
{
    private const string Text = """
        # pending: waits for the elector
        # a comment about the group
        sites 2
        ----
        line one
        line two

        # about the next one
        status
        ----

        tick 5ms
        """;

    [Fact]
    public void A_script_is_blocks_of_a_command_and_its_expected_lines_with_comments_kept()
    {
        var script = ScenarioScript.Parse("x.txt", Text);

        Assert.True(script.IsPending);
        Assert.Equal("waits for the elector", script.Pending);
        Assert.Equal(["sites 2", "status", "tick 5ms"], script.Blocks.Select(b => b.Command));
        Assert.Equal(["line one", "line two"], script.Blocks[0].Expected);
        Assert.Equal(["# pending: waits for the elector", "# a comment about the group"], script.Blocks[0].Comments);
        Assert.Equal([], script.Blocks[1].Expected);
        Assert.Null(script.Blocks[2].Expected);
        Assert.Equal([3, 9, 12], script.Blocks.Select(b => b.Line));
    }

    [Fact]
    public void Rendering_with_the_expected_outputs_gives_back_the_script()
    {
        const string canonical = "# c\nsites 2\n----\na\nb\n\n# d\nstatus\n----\n\ntick 5ms\n----\nz\n";
        var script = ScenarioScript.Parse("x.txt", canonical);
        Assert.Equal(canonical, script.Render(script.Blocks.Select(b => b.Expected!).ToList()));
    }

    [Fact]
    public void A_bare_pending_marker_has_a_default_reason_and_other_first_lines_are_not_pending()
    {
        Assert.Equal("pending", ScenarioScript.Parse("p", "# pending\nsites 1\n----\n").Pending);
        Assert.False(ScenarioScript.Parse("q", "# not pending\n# pending\nsites 1\n----\n").IsPending);
    }
}
