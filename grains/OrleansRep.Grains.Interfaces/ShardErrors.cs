using System.Collections.Frozen;
using System.Globalization;
using OrleansRep.Runtime.Remote;

namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// Re-creates the service's typed errors on the caller's side. The runtime re-creates only framework types; ours
/// arrive as <see cref="RemoteGrainException"/> with the remote type name and message, and their data is in the message.
/// </summary>
public static class ShardErrors
{
    private static readonly FrozenDictionary<string, Func<string, Exception>> Known = new Dictionary<string, Func<string, Exception>>
    {
        [typeof(NotMasterException).FullName!] = m => new NotMasterException(m),
        [typeof(ShardUnavailableException).FullName!] = m => new ShardUnavailableException(m),
        [typeof(DurabilityNotMetException).FullName!] = m => new DurabilityNotMetException(m),
        [typeof(KeyTooLargeException).FullName!] = m => new KeyTooLargeException(m),
        [typeof(ValueTooLargeException).FullName!] = m => new ValueTooLargeException(m),
        [typeof(UnknownShardException).FullName!] = m => new UnknownShardException(m),
        [typeof(CommitTokenLostException).FullName!] = m => new CommitTokenLostException(m),
        [typeof(SiteChangeRejectedException).FullName!] = m => new SiteChangeRejectedException(m),
        [typeof(SiteChangeIncompleteException).FullName!] = m => new SiteChangeIncompleteException(m),
        [typeof(SiteRemovedException).FullName!] = m => new SiteRemovedException(m),
        [typeof(RoleChangeRefusedException).FullName!] = m => new RoleChangeRefusedException(m),
        [typeof(SiteBackupRejectedException).FullName!] = m => new SiteBackupRejectedException(m),
        [typeof(ShardLockedOutException).FullName!] = m => new ShardLockedOutException(m),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The typed error <paramref name="error"/> stands for, or <paramref name="error"/> itself.</summary>
    public static Exception Translate(Exception error) =>
        error is RemoteGrainException remote && Known.TryGetValue(remote.RemoteTypeName, out var create) ? create(remote.Message) : error;

    /// <summary>Awaits <paramref name="call"/>, rethrowing a remote service error as its typed exception.</summary>
    public static async Task<T> Typed<T>(Task<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (RemoteGrainException e)
        {
            throw Translate(e);
        }
    }

    /// <summary>Awaits <paramref name="call"/>, rethrowing a remote service error as its typed exception.</summary>
    public static async Task Typed(Task call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (RemoteGrainException e)
        {
            throw Translate(e);
        }
    }

    internal static int ReadField(string message, string name) => (int)ReadLongField(message, name);

    internal static long ReadLongField(string message, string name)
    {
        var marker = "[" + name + "=";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return 0;
        }

        var start = at + marker.Length;
        var end = message.IndexOf(']', start);
        return end > start && long.TryParse(message.AsSpan(start, end - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }
}
