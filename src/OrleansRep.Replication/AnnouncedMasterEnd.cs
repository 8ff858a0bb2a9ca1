using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// The end of the master's log as its NEWMASTER announced it, kept per master and generation. A client whose log ends
/// before it lacks records even when no later record has come to reveal the gap (the tail of a stream was lost).
/// </summary>
internal sealed class AnnouncedMasterEnd
{
    private Lsn _end;
    private SiteId _master;
    private uint _gen;

    /// <summary>Raises the announced end for <paramref name="master"/> in <paramref name="gen"/> (never lowers it).</summary>
    public void Announce(Lsn end, SiteId master, uint gen)
    {
        if (For(master, gen) < end)
        {
            (_end, _master, _gen) = (end, master, gen);
        }
    }

    /// <summary>The end <paramref name="master"/> announced in <paramref name="gen"/>; zero when not known for them.</summary>
    public Lsn For(SiteId master, uint gen) => _master == master && _gen == gen ? _end : Lsn.Zero;
}
