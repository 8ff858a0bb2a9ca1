using OrleansRep.Simulation.Runs;
using OrleansRep.Simulation.Sites;

namespace OrleansRep.Simulation.Tests.Runs;

/// <summary>Seeds that once failed an invariant or did not converge, each kept as a regression test of its fix (the
/// comment says which bug).</summary>
public sealed class SeedRegressionTests
{
    /// <summary>Replayed as <c>orep sim --seed S --sites K</c> does (default steps and quiet period, liveness required).</summary>
    [Theory]
    [InlineData(1777905565, 3)] // VERIFY without a record (master's log ends first) threw: a diverged tail never rolled back
    [InlineData(1777905555, 7)] // a lagging client asked for each next gap only after the longest back-off
    [InlineData(1777905562, 4)] // the lost tail of a stream was never re-requested by an idle group
    [InlineData(1777905509, 7)] // a full parking bound dropped what gap requests brought back; the client crawled
    [InlineData(1777905585, 4)] // checker: a log internal init left empty was compared with the master's first record
    [InlineData(1777905507, 5)] // no connection events: a client behind an idle master (no heartbeats) never learned it
    [InlineData(1777905646, 4)] // no connection events (as 1777905507)
    [InlineData(1777905783, 5)] // no connection events (as 1777905507)
    [InlineData(1007, 5)] // no connection events (as 1777905507)
    [InlineData(248, 5)] // a client mid-verify won a fast election with a tail no master wrote; acknowledged writes lost
    [InlineData(213, 7)] // a leases group started with one master: the start was refused and the site stayed unstarted
    [InlineData(590, 3)] // a client drawn into a failed election set aside the master's records and never asked again
    [InlineData(767, 4)] // a healed partition left two idle masters that never heard of each other
    [InlineData(1074, 3)] // two idle masters (as 767), then a tail lost on the wire behind an idle master (quiet probes)
    [InlineData(236, 7)] // clients behind an idle master after the partition healed
    [InlineData(26, 3)] // the old master's NEWMASTER after this client's VOTE2 mooted the election: it acknowledged a
                        // write the winner it had voted for lacked (acknowledged write lost; VotedEgen)
    [InlineData(2626, 3)] // the winner became master before its log was durable; a crash cut it back below writes
    [InlineData(4671, 3)] // acknowledged by the old master (as 2626)
    [InlineData(91090, 3)] // TokenJudgementChecker: a site down for a whole generation judged its tokens lost (no LSN-
                           // history entry); fixed by NEWMASTER carrying the master's history (MissedGenerationTokenTests)
    [InlineData(91030, 5)] // as 91090
    public void A_seed_that_once_failed_passes_with_liveness(int seed, int sites)
    {
        var result = Simulator.Run(new SimulatorOptions { Seed = seed, Sites = sites });

        Assert.True(result.Passed, $"seed {seed}: {result.Failure} | replay: {result.Replay}");
    }

    /// <summary>Safety seeds, replayed as <c>orep sim --seed S --sites K</c> does (liveness not required).</summary>
    [Theory]
    // Vote data_gen counted an LSN-history entry learned from NEWMASTER before verify matched (ElectorTests
    // A_client_that_has_not_verified_against_the_new_master_votes_with_the_data_gen_of_the_log_it_holds).
    [InlineData(436499374, 3)]
    [InlineData(436499317, 3)]
    [InlineData(436499345, 7)]
    // Vote data_gen counted a generation whose records the log did not reach yet (ElectorTests
    // A_generation_whose_records_the_log_does_not_reach_is_not_the_data_gen).
    [InlineData(1777905581, 4)]
    // Failed "acknowledged writes survive" on 4fa0980, passes with the data_gen fix above.
    [InlineData(7097, 4)]
    // Checker: a master whose log internal init left empty (a crash lost the records after the init point) was
    // checked for records that are in its snapshot (AcknowledgedWritesCheckerTests
    // A_master_whose_log_internal_init_left_empty_holds_the_older_writes_in_its_snapshot).
    [InlineData(1795, 3)]
    // A client mid-verify (unelectable) held acknowledged writes the phase-1 winner lacked and still sent it its VOTE2
    // (VerifyingVoteTests A_verifying_client_gives_its_VOTE2_only_to_a_winner_whose_log_is_not_behind_its_own).
    [InlineData(4, 4)]
    [InlineData(37, 3)]
    [InlineData(56, 3)]
    [InlineData(640, 3)]
    [InlineData(1136, 3)]
    [InlineData(1487, 3)]
    [InlineData(1672, 3)]
    [InlineData(1775, 3)]
    [InlineData(1853, 3)]
    public void A_seed_that_once_lost_an_acknowledged_write_passes_every_invariant(int seed, int sites)
    {
        var result = Simulator.Run(new SimulatorOptions { Seed = seed, Sites = sites, RequireLiveness = false });

        Assert.True(result.Passed, $"seed {seed}: {result.Failure} | replay: {result.Replay}");
    }

    /// <summary>Replayed as <c>orep sim --seed S --steps 1000 --quiet 2s --safety-only</c> does.</summary>
    [Theory]
    // STARTUPDONE raised twice in one gen when a client re-adopted the same gen's master (Roles must expect start-up
    // once per gen, like NEWMASTER).
    [InlineData(228)]
    [InlineData(686)]
    // A client mid internal init acknowledged records a crash would have dropped (the init restarts clean); the
    // master counted the ack and an empty-logged site won (InternalInitClientTests, end to end).
    [InlineData(45031)]
    public void A_short_seed_that_once_failed_passes_every_invariant(int seed)
    {
        var result = Simulator.Run(new SimulatorOptions { Seed = seed, Steps = 1_000, QuietPeriod = SimTime.Seconds(2), RequireLiveness = false });

        Assert.True(result.Passed, $"seed {seed}: {result.Failure} | replay: {result.Replay}");
    }
}
