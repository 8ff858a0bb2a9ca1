using System.Collections.Immutable;
using System.Text;
using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// The bytes of <see cref="RepPersistentState"/> in the bookkeeping database: a version byte, then every field in
/// declaration order (little-endian, strings length-prefixed UTF-8). Binary rather than JSON because the state holds
/// struct-keyed dictionaries that JSON cannot key by, and because equal states must give equal bytes (the twin tests
/// compare states by their encoding). Written only on <c>PersistState</c>, so speed does not matter.
/// </summary>
public static class RepStateCodec
{
    private const byte Version = 1;

    public static byte[] Encode(RepPersistentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            w.Write((byte)state.Role);
            w.Write(state.Gen);
            w.Write(state.Egen);
            w.Write(state.Master.Value);
            w.Write(state.GroupEstablished);
            w.Write(state.Sites.Count);
            foreach (var site in state.Sites.Values)
            {
                w.Write(site.Id.Value);
                w.Write(site.Address);
                w.Write(site.Priority);
            }

            w.Write(state.MembershipVersion);
            w.Write(state.InitSnapshotId);
            w.Write(state.History.Count);
            foreach (var start in state.History)
            {
                w.Write(start.Gen);
                w.Write(start.Master.Value);
                w.Write(start.Start.ToUInt64());
            }

            w.Write(state.SyncedGen);
            w.Write(state.VotedEgen);
        }

        return stream.ToArray();
    }

    /// <exception cref="FormatException">The bytes are not a state this version wrote.</exception>
    public static RepPersistentState Decode(ReadOnlySpan<byte> bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes.ToArray()), Encoding.UTF8);
        try
        {
            if (r.ReadByte() != Version)
            {
                throw new FormatException($"replication state has version {bytes[0]}, expected {Version}");
            }

            var role = (RepRole)r.ReadByte();
            var (gen, egen, master, established) = (r.ReadUInt32(), r.ReadUInt32(), new SiteId(r.ReadInt32()), r.ReadBoolean());
            var sites = ImmutableSortedDictionary.CreateBuilder<SiteId, SiteInfo>();
            for (var n = ReadCount(r); n > 0; n--)
            {
                var site = new SiteInfo(new SiteId(r.ReadInt32()), r.ReadString(), r.ReadInt32());
                sites[site.Id] = site;
            }

            var (membershipVersion, initSnapshot) = (r.ReadInt64(), r.ReadInt64());
            var history = ImmutableList.CreateBuilder<GenerationStart>();
            for (var n = ReadCount(r); n > 0; n--)
            {
                history.Add(new GenerationStart(r.ReadUInt32(), new SiteId(r.ReadInt32()), Lsn.FromUInt64(r.ReadUInt64())));
            }

            var state = new RepPersistentState
            {
                Role = role, Gen = gen, Egen = egen, Master = master, GroupEstablished = established,
                Sites = sites.ToImmutable(), MembershipVersion = membershipVersion, InitSnapshotId = initSnapshot,
                History = history.ToImmutable(), SyncedGen = r.ReadUInt32(), VotedEgen = r.ReadUInt32(),
            };
            return r.BaseStream.Position == r.BaseStream.Length ? state : throw new FormatException("replication state has trailing bytes");
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException("replication state is cut short", e);
        }
    }

    private static int ReadCount(BinaryReader r)
    {
        var n = r.ReadInt32();
        return n >= 0 && n <= r.BaseStream.Length ? n : throw new FormatException($"replication state has a bad count {n}");
    }
}
