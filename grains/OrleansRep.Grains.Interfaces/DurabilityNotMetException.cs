using System.Globalization;
using OrleansRep.Replication;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// PERM_FAILED: the write committed on the master, but its ack policy was not met within the ack timeout. It may
/// survive (more sites acknowledge later) or be rolled back by a master change. <see cref="Token"/> names it (a read
/// with it says which), <see cref="Acks"/> of <see cref="Needed"/> acknowledgements came in.
/// </summary>
public sealed class DurabilityNotMetException : ShardException
{
    public DurabilityNotMetException()
    {
    }

    public DurabilityNotMetException(string message)
        : base(message)
    {
        Acks = ShardErrors.ReadField(message, "acks");
        Needed = ShardErrors.ReadField(message, "needed");
        Token = new CommitToken((uint)ShardErrors.ReadField(message, "gen"), new SiteId(ShardErrors.ReadField(message, "master")), Storage.Lsn.FromUInt64((ulong)ShardErrors.ReadLongField(message, "lsn")));
    }

    public DurabilityNotMetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DurabilityNotMetException(CommitToken token, int acks, int needed)
        : base(string.Create(CultureInfo.InvariantCulture, $"committed on the master but the ack policy was not met in time: {acks} of {needed} acks [acks={acks}] [needed={needed}] [gen={token.Gen}] [master={token.Master.Value}] [lsn={(long)token.Lsn.ToUInt64()}]"))
    {
        Token = token;
        Acks = acks;
        Needed = needed;
    }

    public CommitToken Token { get; }

    public int Acks { get; }

    public int Needed { get; }
}
