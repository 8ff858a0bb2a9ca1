using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// The <see cref="RemoteMethod"/>s of one grain interface (including inherited ones), by method and by wire id.
/// Built once per interface and cached, like Core's interface descriptors; the interface is validated by Core first.
/// </summary>
internal sealed class RemoteInterface
{
    private static readonly ConcurrentDictionary<Type, RemoteInterface> Cache = new();

    private readonly FrozenDictionary<MethodInfo, RemoteMethod> _byMethod;
    private readonly FrozenDictionary<uint, RemoteMethod> _byId;

    private RemoteInterface(Type interfaceType)
    {
        InterfaceType = interfaceType;
        WireName = interfaceType.FullName ?? interfaceType.Name;
        var roles = interfaceType.GetCustomAttribute<RequiresRoleAttribute>()?.Roles ?? ClientRoles.Read;
        var methods = interfaceType.GetInterfaces().Append(interfaceType)
            .SelectMany(type => type.GetMethods())
            .Select(method => new RemoteMethod(method, roles))
            .ToList();
        var tooMany = methods.FirstOrDefault(m => m.ParameterTypes.Count > byte.MaxValue);
        if (tooMany is not null)
        {
            throw new InvalidGrainInterfaceException($"Grain interface {WireName}: {tooMany.Signature} has more than {byte.MaxValue} parameters.");
        }

        var collision = methods.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (collision is not null)
        {
            throw new InvalidGrainInterfaceException(
                $"Grain interface {WireName}: methods {string.Join(" and ", collision.Select(m => m.Signature))} have the same wire id; rename one.");
        }

        _byMethod = methods.ToFrozenDictionary(m => m.Method);
        _byId = methods.ToFrozenDictionary(m => m.Id);
    }

    public Type InterfaceType { get; }

    /// <summary>The interface's full name: how calls and the manifest name it.</summary>
    public string WireName { get; }

    /// <exception cref="InvalidGrainInterfaceException">Not a grain interface Core can call, or two method ids collide.</exception>
    public static RemoteInterface Get(Type interfaceType)
    {
        if (Cache.TryGetValue(interfaceType, out var cached))
        {
            return cached;
        }

        GrainInterfaceDescriptor.Get(interfaceType);
        return Cache.GetOrAdd(interfaceType, new RemoteInterface(interfaceType));
    }

    public RemoteMethod GetMethod(MethodInfo method) =>
        _byMethod.TryGetValue(method, out var remote)
            ? remote
            : throw new ArgumentException($"{method.Name} is not a method of grain interface {WireName}.", nameof(method));

    public RemoteMethod GetMethod(uint id) =>
        _byId.TryGetValue(id, out var remote)
            ? remote
            : throw new GrainCallFormatException($"grain interface {WireName} has no method with id {id:x8}");
}
