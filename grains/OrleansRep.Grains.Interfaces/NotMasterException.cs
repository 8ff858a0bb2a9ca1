using System.Globalization;

namespace OrleansRep.Grains.Interfaces;

/// <summary>A write (or linearizable read) reached a replica that is not the shard's master. <see cref="Master"/> is
/// the master this replica knows of (0: none known; an election may be under way): send the request there.</summary>
public sealed class NotMasterException : ShardException
{
    public NotMasterException()
    {
    }

    public NotMasterException(string message)
        : base(message) =>
        Master = ShardErrors.ReadField(message, "master");

    public NotMasterException(string message, Exception innerException)
        : base(message, innerException) =>
        Master = ShardErrors.ReadField(message, "master");

    public NotMasterException(int shard, int site, int master)
        : base(string.Create(CultureInfo.InvariantCulture, $"shard {shard} on site {site} is not master [master={master}]")) =>
        Master = master;

    public int Master { get; }
}
