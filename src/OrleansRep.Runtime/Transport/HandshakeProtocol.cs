using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansRep.Runtime.Transport;

/// <summary>
/// The challenge-response. The server sends a fresh random nonce; the client answers with its roles, its id and
/// HMAC-SHA256(secret, nonce || roles || client id), where the secret is the client's own (<see cref="ClientCredential"/>)
/// when the server knows its id, else the cluster secret; the server recomputes the MAC and compares in constant time.
/// The MAC binds the roles and id to this connection's nonce, so neither can be altered or replayed.
/// </summary>
internal static class HandshakeProtocol
{
    public const int NonceLength = 32;
    public const int MinSecretLength = 16;
    public const int MaxClientIdBytes = 256;
    private const int MacLength = HMACSHA256.HashSizeInBytes;

    public static byte[] CreateNonce() => RandomNumberGenerator.GetBytes(NonceLength);

    /// <summary>Response payload: <c>[roles: 1][id length: uint16][id UTF-8][MAC: 32]</c>.</summary>
    public static byte[] CreateResponse(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce, string clientId, ClientRoles roles)
    {
        int idLength = Encoding.UTF8.GetByteCount(clientId);
        byte[] response = new byte[3 + idLength + MacLength];
        response[0] = (byte)roles;
        BinaryPrimitives.WriteUInt16LittleEndian(response.AsSpan(1), (ushort)idLength);
        Encoding.UTF8.GetBytes(clientId, response.AsSpan(3));
        ComputeMac(secret, nonce, response[0], response.AsSpan(3, idLength), response.AsSpan(3 + idLength));
        return response;
    }

    /// <summary>Checks a response; returns the identity it proves, or null with a reason for the log.</summary>
    public static (string ClientId, ClientRoles Roles)? Verify(
        TransportServerOptions options, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> response, out string? failure)
    {
        if (response.Length < 3 + MacLength)
        {
            failure = "handshake response too short";
            return null;
        }

        int idLength = BinaryPrimitives.ReadUInt16LittleEndian(response[1..]);
        if (idLength > MaxClientIdBytes || response.Length != 3 + idLength + MacLength)
        {
            failure = "handshake response has a bad client id length";
            return null;
        }

        byte roles = response[0];
        if ((roles & ~(byte)ClientRoles.All) != 0)
        {
            failure = $"handshake response claims unknown roles 0x{roles:x2}";
            return null;
        }

        ReadOnlySpan<byte> id = response.Slice(3, idLength);
        string clientId = Encoding.UTF8.GetString(id);
        ClientCredential? credential = options.FindCredential(clientId);
        Span<byte> expected = stackalloc byte[MacLength];
        ComputeMac(credential?.Secret ?? options.ClusterSecret, nonce, roles, id, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, response.Slice(3 + idLength, MacLength)))
        {
            failure = credential is null ? "handshake MAC does not match (wrong cluster secret)" : $"handshake MAC does not match ({clientId}'s secret)";
            return null;
        }

        if (credential is not null && ((ClientRoles)roles & ~credential.Roles) != 0)
        {
            failure = $"{clientId} claims {(ClientRoles)roles}, more than its credential's {credential.Roles}";
            return null;
        }

        failure = null;
        return (clientId, (ClientRoles)roles);
    }

    private static void ComputeMac(
        ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce, byte roles, ReadOnlySpan<byte> clientId, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(nonce);
        hmac.AppendData([roles]);
        hmac.AppendData(clientId);
        hmac.GetHashAndReset(destination);
    }
}
