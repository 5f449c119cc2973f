/*
 * netsieve_io: the packet I/O layer of `netsieve run`.
 *
 * A small Node-API addon that moves packets between JS buffers and real
 * Linux devices: AF_PACKET sockets bound to one interface (Ethernet
 * frames) and TUN devices (IP packets). Everything is non-blocking and
 * batched; readiness comes from a libuv poll handle on the event loop, so
 * there is no thread per interface.
 *
 *   linkInfo(ifname)                  -> { index, mtu, mac, up, flags, hwType }
 *   setLinkUp(ifname, up)
 *   openTun(name, { vnetHdr })        -> handle (with .name, the kernel's name)
 *   openPacket(ifname, { vnetHdr })   -> handle (with .name)
 *   recv(handle, buf, slotSize, lens) -> count
 *   send(handle, buf, offs, lens, n)  -> count taken
 *   poll(handle, cb)                  -> cb() on the JS thread when readable
 *   close(handle)                     (idempotent)
 *   stats(handle)                     -> { rxTruncated, rxDropped, txErrors, lastError }
 *   completeCsum(buf, off, len, start, offset) -> bool  (a partial checksum made whole)
 *
 * Handles are JS objects wrapping a `struct port` (napi_wrap). An open
 * port with an active poll holds a strong reference to its own object so
 * it is not collected while the event loop can still call into it.
 *
 * Kernel behaviour this relies on is cited by file: net/packet/af_packet.c,
 * drivers/net/tun.c, include/linux/virtio_net.h.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* Linux >= 4.20 */
#endif

/* Packets per recvmmsg/sendmmsg call; larger requests loop. */
#define BATCH 64
/* Socket buffer size asked for (SO_RCVBUFFORCE needs CAP_NET_ADMIN). */
#define SOCK_BUF (4 * 1024 * 1024)
#define VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))
#define VLAN_HLEN 4

enum kind { KIND_TUN = 1, KIND_PACKET = 2 };

struct env_state;

struct port {
  struct port *next, *prev;  /* in env_state's list of open ports */
  struct env_state *state;   /* NULL once the environment is torn down */
  napi_env env;
  int fd;                    /* -1 once closed */
  enum kind kind;
  int vnet;                  /* frames carry a struct virtio_net_hdr first */
  char name[IFNAMSIZ];
  uv_poll_t *poll;           /* allocated by poll(), freed by its close callback */
  napi_ref cb_ref;           /* the readable callback */
  napi_ref self_ref;         /* strong reference to the handle while polling */
  napi_async_context async;  /* for napi_make_callback */
  /* counters (stats()) */
  double rx_truncated, rx_dropped, tx_errors;
  char last_error[96];
};

struct env_state {
  struct port head; /* sentinel of a circular list */
  uv_loop_t *loop;
};

/* One scratch area for discarding the tail of TUN packets larger than a slot. */
static unsigned char tun_scratch[65536 + VNET_HDR_LEN + 64];

/* ---------- errors ---------- */

/* Throws Error("call(arg): strerror[hint]") with .code = "EXXX". */
static void throw_errno(napi_env env, const char *call, const char *arg, int err, const char *hint) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s(%s): %s%s", call, arg ? arg : "", strerror(err), hint ? hint : "");
  napi_value m, c, e;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &c);
  napi_create_error(env, c, m, &e);
  napi_throw(env, e);
}

static void throw_msg(napi_env env, const char *msg) { napi_throw_error(env, NULL, msg); }

/* The capability an EPERM/EACCES most likely lacks, for the message. */
static const char *perm_hint(int err, const char *cap) {
  if (err != EPERM && err != EACCES) return NULL;
  return cap;
}

/* ---------- argument helpers ---------- */

#define GET_ARGS(n)                                                   \
  size_t argc = (n);                                                  \
  napi_value argv[(n) > 0 ? (n) : 1];                                 \
  napi_value self_;                                                   \
  if (napi_get_cb_info(env, info, &argc, argv, &self_, NULL) != napi_ok) return NULL; \
  (void)self_;

/* Reads an interface name (at most IFNAMSIZ-1 bytes). allow_empty lets the kernel pick (TUN). */
static int get_ifname(napi_env env, napi_value v, char out[IFNAMSIZ], const char *call, int allow_empty) {
  size_t len = 0;
  char tmp[64];
  if (napi_get_value_string_utf8(env, v, tmp, sizeof tmp, &len) != napi_ok) {
    char m[80];
    snprintf(m, sizeof m, "%s: the interface name must be a string", call);
    napi_throw_type_error(env, NULL, m);
    return -1;
  }
  if (len >= IFNAMSIZ || (!allow_empty && len == 0) || strchr(tmp, '/') != NULL) {
    char m[128];
    snprintf(m, sizeof m, "%s(%s): invalid interface name (1 to %d bytes, no '/')", call, tmp, IFNAMSIZ - 1);
    throw_msg(env, m);
    return -1;
  }
  memset(out, 0, IFNAMSIZ);
  memcpy(out, tmp, len);
  return 0;
}

/* opts.vnetHdr, false when opts or the field is missing. */
static int get_vnet_opt(napi_env env, napi_value opts) {
  napi_valuetype t;
  if (napi_typeof(env, opts, &t) != napi_ok || t != napi_object) return 0;
  napi_value v;
  bool b = false;
  if (napi_get_named_property(env, opts, "vnetHdr", &v) != napi_ok) return 0;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return 0;
  return b ? 1 : 0;
}

static struct port *get_port(napi_env env, napi_value v, const char *call) {
  void *p = NULL;
  if (napi_unwrap(env, v, &p) != napi_ok || p == NULL) {
    char m[80];
    snprintf(m, sizeof m, "%s: not a netsieve_io handle", call);
    napi_throw_type_error(env, NULL, m);
    return NULL;
  }
  return (struct port *)p;
}

static struct port *get_open_port(napi_env env, napi_value v, const char *call) {
  struct port *p = get_port(env, v, call);
  if (p != NULL && p->fd < 0) {
    char m[80];
    snprintf(m, sizeof m, "%s(%s): the port is closed", call, p->name);
    throw_msg(env, m);
    return NULL;
  }
  return p;
}

static int get_u32_array(napi_env env, napi_value v, uint32_t **data, size_t *len, const char *what) {
  napi_typedarray_type t;
  void *d;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, len, &d, &ab, &off) != napi_ok || t != napi_uint32_array) {
    char m[80];
    snprintf(m, sizeof m, "%s must be a Uint32Array", what);
    napi_throw_type_error(env, NULL, m);
    return -1;
  }
  *data = (uint32_t *)d;
  return 0;
}

static int get_buffer(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  void *d;
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is || napi_get_buffer_info(env, v, &d, len) != napi_ok) {
    napi_throw_type_error(env, NULL, "buf must be a Buffer");
    return -1;
  }
  *data = (unsigned char *)d;
  return 0;
}

static int get_u32(napi_env env, napi_value v, uint32_t *out, const char *what) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    char m[80];
    snprintf(m, sizeof m, "%s must be a number", what);
    napi_throw_type_error(env, NULL, m);
    return -1;
  }
  return 0;
}

/* ---------- links ---------- */

/* A datagram socket for interface ioctls (any family works; AF_INET is always there). */
static int ioctl_sock(void) { return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); }

static napi_value link_info(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  char name[IFNAMSIZ];
  if (argc < 1 || get_ifname(env, argv[0], name, "linkInfo", 0) < 0) return NULL;
  int s = ioctl_sock();
  if (s < 0) { throw_errno(env, "linkInfo", name, errno, NULL); return NULL; }
  struct ifreq ifr;
  int index, mtu, flags, hwtype;
  unsigned char mac[6];
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) goto fail;
  index = ifr.ifr_ifindex;
  if (ioctl(s, SIOCGIFMTU, &ifr) < 0) goto fail;
  mtu = ifr.ifr_mtu;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) goto fail;
  flags = ifr.ifr_flags & 0xffff;
  if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) goto fail;
  hwtype = ifr.ifr_hwaddr.sa_family;
  /* TUN and PPP devices have no MAC; the kernel reports zeros for them. */
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  close(s);

  napi_value o, v;
  void *bdata;
  napi_create_object(env, &o);
  napi_create_int32(env, index, &v); napi_set_named_property(env, o, "index", v);
  napi_create_int32(env, mtu, &v); napi_set_named_property(env, o, "mtu", v);
  napi_create_buffer_copy(env, 6, mac, &bdata, &v); napi_set_named_property(env, o, "mac", v);
  napi_get_boolean(env, (flags & IFF_UP) != 0, &v); napi_set_named_property(env, o, "up", v);
  napi_create_int32(env, flags, &v); napi_set_named_property(env, o, "flags", v);
  napi_create_int32(env, hwtype, &v); napi_set_named_property(env, o, "hwType", v);
  return o;
fail: {
    int e = errno;
    close(s);
    throw_errno(env, "linkInfo", name, e, NULL);
    return NULL;
  }
}

static napi_value set_link_up(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  char name[IFNAMSIZ];
  bool up = false;
  if (argc < 2 || get_ifname(env, argv[0], name, "setLinkUp", 0) < 0) return NULL;
  if (napi_get_value_bool(env, argv[1], &up) != napi_ok) {
    napi_throw_type_error(env, NULL, "setLinkUp: up must be a boolean");
    return NULL;
  }
  int s = ioctl_sock();
  if (s < 0) { throw_errno(env, "setLinkUp", name, errno, NULL); return NULL; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) goto fail;
  if (up) ifr.ifr_flags |= IFF_UP; else ifr.ifr_flags &= ~IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) goto fail;
  close(s);
  return NULL;
fail: {
    int e = errno;
    close(s);
    throw_errno(env, "setLinkUp", name, e, perm_hint(e, " (needs CAP_NET_ADMIN)"));
    return NULL;
  }
}

/* ---------- ports: lifetime ---------- */

static void on_poll_closed(uv_handle_t *h) { free(h); }

/*
 * Releases the fd and the poll handle. Safe from a finalizer or the env
 * cleanup hook: it never calls into JS. References are left to the caller.
 */
static void release_port(struct port *p) {
  if (p->poll != NULL) {
    uv_poll_stop(p->poll);
    p->poll->data = NULL;
    uv_close((uv_handle_t *)p->poll, on_poll_closed);
    p->poll = NULL;
  }
  if (p->fd >= 0) {
    close(p->fd);
    p->fd = -1;
  }
  if (p->state != NULL) {
    p->prev->next = p->next;
    p->next->prev = p->prev;
    p->next = p->prev = p;
    p->state = NULL;
  }
}

static void finalize_port(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  struct port *p = (struct port *)data;
  /* Garbage collected while open (never polled, or env teardown): close quietly. */
  release_port(p);
  free(p);
}

/* Environment teardown (process exit, worker end): close every open port. */
static void env_cleanup(void *arg) {
  struct env_state *st = (struct env_state *)arg;
  while (st->head.next != &st->head) release_port(st->head.next);
  /* Ports still wrapped keep pointers to nothing of st now (state = NULL). */
  free(st);
}

static struct env_state *get_state(napi_env env) {
  void *d = NULL;
  if (napi_get_instance_data(env, &d) != napi_ok) return NULL;
  return (struct env_state *)d;
}

/* Wraps a freshly opened fd in a handle object carrying .name. */
static napi_value make_handle(napi_env env, int fd, enum kind kind, int vnet, const char *name) {
  struct env_state *st = get_state(env);
  struct port *p = (struct port *)calloc(1, sizeof *p);
  if (p == NULL || st == NULL) {
    free(p);
    close(fd);
    throw_msg(env, "netsieve_io: out of memory");
    return NULL;
  }
  p->env = env;
  p->fd = fd;
  p->kind = kind;
  p->vnet = vnet;
  snprintf(p->name, sizeof p->name, "%s", name);
  p->state = st;
  p->next = st->head.next;
  p->prev = &st->head;
  st->head.next->prev = p;
  st->head.next = p;

  napi_value obj, v;
  napi_create_object(env, &obj);
  if (napi_wrap(env, obj, p, finalize_port, NULL, NULL) != napi_ok) {
    release_port(p);
    free(p);
    throw_msg(env, "netsieve_io: napi_wrap failed");
    return NULL;
  }
  napi_create_string_utf8(env, p->name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "name", v);
  return obj;
}

/* ---------- opening ---------- */

static napi_value open_tun(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  char name[IFNAMSIZ];
  if (argc < 1 || get_ifname(env, argv[0], name, "openTun", 1) < 0) return NULL;
  int vnet = argc >= 2 ? get_vnet_opt(env, argv[1]) : 0;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    throw_errno(env, "openTun", name, e,
                e == ENOENT ? " (/dev/net/tun is missing: load the tun module)"
                            : perm_hint(e, " (needs CAP_NET_ADMIN)"));
    return NULL;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, IFNAMSIZ);
  /* IFF_NO_PI: no 4-byte packet-info prefix, the read starts at the IP header. */
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
  /* Not persistent (no TUNSETPERSIST): the device goes away with the last fd. */
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    throw_errno(env, "openTun", name, e, perm_hint(e, " (needs CAP_NET_ADMIN)"));
    return NULL;
  }
  if (vnet) {
    int sz = VNET_HDR_LEN; /* the default, set explicitly in case a persistent device had another */
    if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
      int e = errno;
      close(fd);
      throw_errno(env, "openTun", name, e, NULL);
      return NULL;
    }
  }
  char real[IFNAMSIZ];
  memcpy(real, ifr.ifr_name, IFNAMSIZ);
  real[IFNAMSIZ - 1] = 0;
  return make_handle(env, fd, KIND_TUN, vnet, real);
}

static void set_bufsize(int fd, int force_opt, int opt) {
  int sz = SOCK_BUF;
  if (setsockopt(fd, SOL_SOCKET, force_opt, &sz, sizeof sz) < 0) setsockopt(fd, SOL_SOCKET, opt, &sz, sizeof sz);
}

static napi_value open_packet(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  char name[IFNAMSIZ];
  if (argc < 1 || get_ifname(env, argv[0], name, "openPacket", 0) < 0) return NULL;
  int vnet = argc >= 2 ? get_vnet_opt(env, argv[1]) : 0;
  int one = 1, e;
  const char *hint = NULL;
  /*
   * Protocol 0 at socket(): the socket receives nothing until bind() gives
   * it ETH_P_ALL and the ifindex, so no frame of another interface can slip
   * in between (af_packet.c: packet_create only hooks a non-zero protocol).
   */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { e = errno; hint = perm_hint(e, " (needs CAP_NET_RAW)"); goto fail_noclose; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) { e = errno; goto fail; }
  /* Our own transmissions would otherwise loop back to us (dev_queue_xmit_nit). */
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0 && errno != ENOPROTOOPT) { e = errno; goto fail; }
  /* Stripped VLAN tags come back in the auxdata cmsg; recv() puts them back in the frame. */
  if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) { e = errno; goto fail; }
  if (vnet && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) { e = errno; goto fail; }
  set_bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF);
  set_bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifr.ifr_ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { e = errno; goto fail; }
  return make_handle(env, fd, KIND_PACKET, vnet, name);
fail:
  close(fd);
fail_noclose:
  throw_errno(env, "openPacket", name, e, hint);
  return NULL;
}

/* ---------- receiving ---------- */

static void note_error(struct port *p, const char *call, int err) {
  snprintf(p->last_error, sizeof p->last_error, "%s(%s): %s", call, p->name, strerror(err));
}

/*
 * Puts a VLAN tag the driver stripped (skb vlan_tci, reported through
 * PACKET_AUXDATA) back after the MAC addresses, as tcpdump does. The
 * frame at f (after the vnet header, if any) has length flen; returns 0
 * when the slot has no room (the frame is then dropped as truncated).
 */
static int reinsert_vlan(unsigned char *f, size_t flen, size_t room, uint16_t tpid, uint16_t tci) {
  if (flen < 12 || flen + VLAN_HLEN > room) return 0;
  memmove(f + 12 + VLAN_HLEN, f + 12, flen - 12);
  f[12] = tpid >> 8; f[13] = tpid & 0xff;
  f[14] = tci >> 8; f[15] = tci & 0xff;
  return 1;
}

/* virtio_net_hdr offsets count from the frame start; shift them past an inserted tag. */
static void vnet_shift(unsigned char *h, int by) {
  struct virtio_net_hdr vh;
  memcpy(&vh, h, sizeof vh);
  if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) vh.csum_start += by;
  if (vh.hdr_len != 0) vh.hdr_len += by;
  memcpy(h, &vh, sizeof vh);
}

static int recv_packet(napi_env env, struct port *p, unsigned char *buf, size_t slot, uint32_t *lens, size_t max) {
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_ll from[BATCH];
  union { struct cmsghdr align; char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))]; } ctl[BATCH];
  size_t w = 0; /* slots filled */
  while (w < max) {
    size_t want = max - w < BATCH ? max - w : BATCH;
    for (size_t j = 0; j < want; j++) {
      iov[j].iov_base = buf + (w + j) * slot;
      iov[j].iov_len = slot;
      memset(&msgs[j].msg_hdr, 0, sizeof msgs[j].msg_hdr);
      msgs[j].msg_hdr.msg_name = &from[j];
      msgs[j].msg_hdr.msg_namelen = sizeof from[j];
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
      msgs[j].msg_hdr.msg_control = ctl[j].b;
      msgs[j].msg_hdr.msg_controllen = sizeof ctl[j].b;
    }
    int r = recvmmsg(p->fd, msgs, (unsigned)want, MSG_DONTWAIT, NULL);
    if (r < 0) {
      int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      if (e == EINTR) continue;
      if (e == EINVAL && p->vnet) {
        /* af_packet.c packet_rcv_vnet: a GSO type virtio cannot describe; the kernel dropped that packet. */
        p->rx_dropped++;
        note_error(p, "recv", e);
        continue;
      }
      if (e == ENETDOWN || e == ENXIO) {
        /* A pending socket error from the device going down or away (af_packet.c packet_notifier). */
        note_error(p, "recv", e);
        break;
      }
      throw_errno(env, "recv", p->name, e, NULL);
      return -1;
    }
    size_t kept = w;
    for (int j = 0; j < r; j++) {
      struct msghdr *m = &msgs[j].msg_hdr;
      size_t len = msgs[j].msg_len;
      unsigned char *at = buf + (w + j) * slot;
      /* MSG_TRUNC: the frame was longer than the slot; never pass half a frame on. */
      if (m->msg_flags & MSG_TRUNC) { p->rx_truncated++; continue; }
      /* Without PACKET_IGNORE_OUTGOING (Linux < 4.20) our own sends show up as outgoing. */
      if (from[j].sll_pkttype == PACKET_OUTGOING) continue;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (!(aux.tp_status & TP_STATUS_VLAN_VALID)) continue;
        uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q;
        size_t h = p->vnet ? VNET_HDR_LEN : 0;
        if (len < h || !reinsert_vlan(at + h, len - h, slot - h, tpid, aux.tp_vlan_tci)) { len = 0; break; }
        if (p->vnet) vnet_shift(at, VLAN_HLEN);
        len += VLAN_HLEN;
      }
      if (len == 0) { p->rx_truncated++; continue; }
      if (kept != w + (size_t)j) memmove(buf + kept * slot, at, len);
      lens[kept++] = (uint32_t)len;
    }
    w = kept;
    if ((size_t)r < want) break; /* the queue is empty */
  }
  return (int)w;
}

static int recv_tun(napi_env env, struct port *p, unsigned char *buf, size_t slot, uint32_t *lens, size_t max) {
  size_t w = 0;
  while (w < max) {
    /*
     * A second iovec catches what does not fit in the slot, so an
     * oversized packet is seen whole (and skipped) instead of being cut
     * (tun.c tun_put_user copies as much as the iovecs hold).
     */
    struct iovec iov[2] = { { buf + w * slot, slot }, { tun_scratch, sizeof tun_scratch } };
    ssize_t n = readv(p->fd, iov, 2);
    if (n < 0) {
      int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) break;
      if (e == EINTR) continue;
      throw_errno(env, "recv", p->name, e, NULL);
      return -1;
    }
    if (n == 0) break;
    if ((size_t)n > slot) { p->rx_truncated++; continue; }
    lens[w++] = (uint32_t)n;
  }
  return (int)w;
}

/* recv(handle, buf, slotSize, lens) -> count */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  if (argc < 4) { napi_throw_type_error(env, NULL, "recv(handle, buf, slotSize, lens)"); return NULL; }
  struct port *p = get_open_port(env, argv[0], "recv");
  unsigned char *buf;
  size_t buflen, nlens;
  uint32_t slot, *lens;
  if (p == NULL || get_buffer(env, argv[1], &buf, &buflen) < 0 || get_u32(env, argv[2], &slot, "slotSize") < 0 ||
      get_u32_array(env, argv[3], &lens, &nlens, "lens") < 0) return NULL;
  if (slot == 0) { throw_msg(env, "recv: slotSize must be positive"); return NULL; }
  size_t max = buflen / slot;
  if (max > nlens) max = nlens;
  int n = p->kind == KIND_PACKET ? recv_packet(env, p, buf, slot, lens, max) : recv_tun(env, p, buf, slot, lens, max);
  if (n < 0) return NULL;
  napi_value out;
  napi_create_int32(env, n, &out);
  return out;
}

/* ---------- sending ---------- */

/* Errors after which the rest of the batch is left to the caller to drop: the queue is full. */
static int queue_full(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }

static size_t send_packet(struct port *p, unsigned char *buf, const uint32_t *offs, const uint32_t *lens, size_t n) {
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  size_t done = 0;
  while (done < n) {
    size_t want = n - done < BATCH ? n - done : BATCH;
    for (size_t j = 0; j < want; j++) {
      iov[j].iov_base = buf + offs[done + j];
      iov[j].iov_len = lens[done + j];
      memset(&msgs[j], 0, sizeof msgs[j]);
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
      /* No address: the socket's bound ifindex and protocol are used (af_packet.c packet_snd). */
    }
    int r = sendmmsg(p->fd, msgs, (unsigned)want, MSG_DONTWAIT);
    if (r < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (queue_full(e)) break;
      /* This one packet was refused (EMSGSIZE, EINVAL vnet header, ENETDOWN...): count it and go on. */
      p->tx_errors++;
      note_error(p, "send", e);
      done++;
      continue;
    }
    done += (size_t)r;
  }
  return done;
}

static size_t send_tun(struct port *p, unsigned char *buf, const uint32_t *offs, const uint32_t *lens, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = write(p->fd, buf + offs[done], lens[done]);
    if (r < 0) {
      int e = errno;
      if (e == EINTR) continue;
      if (queue_full(e)) break;
      /* tun.c tun_get_user: EIO when the device is down, EINVAL for a bad packet. */
      p->tx_errors++;
      note_error(p, "send", e);
    }
    done++;
  }
  return done;
}

/* send(handle, buf, offs, lens, n) -> how many the device took (or refused outright, see stats) */
static napi_value js_send(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  if (argc < 5) { napi_throw_type_error(env, NULL, "send(handle, buf, offs, lens, n)"); return NULL; }
  struct port *p = get_open_port(env, argv[0], "send");
  unsigned char *buf;
  size_t buflen, noffs, nlens;
  uint32_t *offs, *lens, n;
  if (p == NULL || get_buffer(env, argv[1], &buf, &buflen) < 0 || get_u32_array(env, argv[2], &offs, &noffs, "offs") < 0 ||
      get_u32_array(env, argv[3], &lens, &nlens, "lens") < 0 || get_u32(env, argv[4], &n, "n") < 0) return NULL;
  if (n > noffs || n > nlens) { napi_throw_range_error(env, NULL, "send: n is larger than offs or lens"); return NULL; }
  for (uint32_t i = 0; i < n; i++) {
    if ((uint64_t)offs[i] + lens[i] > buflen) {
      char m[96];
      snprintf(m, sizeof m, "send: packet %u (%u+%u) lies outside buf (%zu bytes)", i, offs[i], lens[i], buflen);
      napi_throw_range_error(env, NULL, m);
      return NULL;
    }
  }
  size_t done = p->kind == KIND_PACKET ? send_packet(p, buf, offs, lens, n) : send_tun(p, buf, offs, lens, n);
  napi_value out;
  napi_create_uint32(env, (uint32_t)done, &out);
  return out;
}

/* ---------- readiness ---------- */

static void call_js(struct port *p) {
  napi_env env = p->env;
  napi_handle_scope scope;
  if (p->cb_ref == NULL || napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, self, result;
  if (napi_get_reference_value(env, p->cb_ref, &cb) == napi_ok && cb != NULL &&
      napi_get_reference_value(env, p->self_ref, &self) == napi_ok && self != NULL) {
    /* napi_make_callback (not napi_call_function) so nextTick and promise queues run after cb. */
    napi_status st = napi_make_callback(env, p->async, self, cb, 0, NULL, &result);
    if (st == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc); /* -> process 'uncaughtException', as for any event callback */
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  struct port *p = (struct port *)h->data;
  if (p == NULL || p->fd < 0) return;
  if (status < 0) {
    /*
     * libuv stops the handle when poll reports POLLERR. On a packet socket
     * that is a pending sk_err (the link went down: af_packet.c
     * packet_notifier); reading SO_ERROR clears it and the socket keeps
     * working, so poll again. On a TUN fd it means the device is gone
     * (tun.c tun_chr_poll): leave the poll stopped, and let the callback's
     * recv() throw the error.
     */
    int e = 0;
    socklen_t l = sizeof e;
    if (p->kind == KIND_PACKET && getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e != 0) {
      note_error(p, "poll", e);
      uv_poll_start(h, UV_READABLE, on_poll);
    } else {
      note_error(p, "poll", -status);
    }
  }
  call_js(p);
}

/* poll(handle, cb): cb() on the event loop whenever the fd is readable. A second call replaces cb. */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  if (argc < 2) { napi_throw_type_error(env, NULL, "poll(handle, cb)"); return NULL; }
  struct port *p = get_open_port(env, argv[0], "poll");
  if (p == NULL) return NULL;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) { napi_throw_type_error(env, NULL, "poll: cb must be a function"); return NULL; }
  if (p->cb_ref != NULL) napi_delete_reference(env, p->cb_ref);
  napi_create_reference(env, argv[1], 1, &p->cb_ref);
  if (p->self_ref == NULL) napi_create_reference(env, argv[0], 1, &p->self_ref);
  if (p->async == NULL) {
    napi_value rn;
    napi_create_string_utf8(env, "netsieve:io", NAPI_AUTO_LENGTH, &rn);
    napi_async_init(env, argv[0], rn, &p->async);
  }
  if (p->poll == NULL) {
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) { throw_msg(env, "poll: no event loop"); return NULL; }
    p->poll = (uv_poll_t *)malloc(sizeof *p->poll);
    if (p->poll == NULL) { throw_msg(env, "poll: out of memory"); return NULL; }
    int r = uv_poll_init(loop, p->poll, p->fd);
    if (r < 0) {
      free(p->poll);
      p->poll = NULL;
      throw_errno(env, "poll", p->name, -r, NULL);
      return NULL;
    }
    p->poll->data = p;
  }
  int r = uv_poll_start(p->poll, UV_READABLE, on_poll);
  if (r < 0) { throw_errno(env, "poll", p->name, -r, NULL); return NULL; }
  return NULL;
}

/* close(handle): idempotent. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  if (argc < 1) { napi_throw_type_error(env, NULL, "close(handle)"); return NULL; }
  struct port *p = get_port(env, argv[0], "close");
  if (p == NULL) return NULL;
  release_port(p);
  if (p->cb_ref != NULL) { napi_delete_reference(env, p->cb_ref); p->cb_ref = NULL; }
  if (p->self_ref != NULL) { napi_delete_reference(env, p->self_ref); p->self_ref = NULL; }
  if (p->async != NULL) { napi_async_destroy(env, p->async); p->async = NULL; }
  return NULL;
}

/* stats(handle) -> { rxTruncated, rxDropped, txErrors, lastError, fd } */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  if (argc < 1) { napi_throw_type_error(env, NULL, "stats(handle)"); return NULL; }
  struct port *p = get_port(env, argv[0], "stats");
  if (p == NULL) return NULL;
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_double(env, p->rx_truncated, &v); napi_set_named_property(env, o, "rxTruncated", v);
  napi_create_double(env, p->rx_dropped, &v); napi_set_named_property(env, o, "rxDropped", v);
  napi_create_double(env, p->tx_errors, &v); napi_set_named_property(env, o, "txErrors", v);
  napi_create_string_utf8(env, p->last_error, NAPI_AUTO_LENGTH, &v); napi_set_named_property(env, o, "lastError", v);
  napi_create_int32(env, p->fd, &v); napi_set_named_property(env, o, "fd", v);
  return o;
}

/* ---------- checksums ---------- */

/*
 * completeCsum(buf, off, len, csumStart, csumOffset): what skb_checksum_help
 * does for a CHECKSUM_PARTIAL packet read with its virtio-net header. The
 * field at start+offset already holds the pseudo-header sum; the RFC 1071
 * sum runs from start to the end of the packet, is folded, complemented and
 * stored (0 stored as 0xffff, CSUM_MANGLED_0). The same as
 * src/io/offload.ts completeChecksum, in C because a 64 KiB GSO packet is
 * summed for every super-packet the live router forwards. Returns false when
 * the offsets do not fit the packet.
 */
static napi_value js_complete_csum(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  unsigned char *buf;
  size_t buflen;
  uint32_t off, len, start, coff;
  if (argc < 5 || get_buffer(env, argv[0], &buf, &buflen) < 0 || get_u32(env, argv[1], &off, "off") < 0 ||
      get_u32(env, argv[2], &len, "len") < 0 || get_u32(env, argv[3], &start, "csumStart") < 0 ||
      get_u32(env, argv[4], &coff, "csumOffset") < 0) return NULL;
  napi_value r;
  if ((size_t)off + len > buflen || start >= len || (size_t)start + coff + 2 > len) {
    napi_get_boolean(env, false, &r);
    return r;
  }
  const unsigned char *p = buf + off + start;
  size_t n = len - start;
  /* 32-bit native-order words into a 64-bit accumulator; the sum is byte-order independent up to a final swap (RFC 1071 2(B)). */
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) { uint32_t w; memcpy(&w, p + i, 4); acc += w; }
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  uint32_t s32 = (uint32_t)acc;
  uint32_t s = (s32 & 0xffff) + (s32 >> 16);
  s = (s & 0xffff) + (s >> 16);
  uint16_t native16 = (uint16_t)s;
  /* Back to big-endian word order. */
  uint32_t sum = ntohs(native16);
  for (; i + 1 < n; i += 2) sum += ((uint32_t)p[i] << 8) | p[i + 1];
  if (i < n) sum += (uint32_t)p[i] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t c = (uint16_t)~sum;
  if (c == 0) c = 0xffff;
  p = NULL;
  buf[off + start + coff] = (unsigned char)(c >> 8);
  buf[off + start + coff + 1] = (unsigned char)(c & 0xff);
  napi_get_boolean(env, true, &r);
  return r;
}

/* ---------- module ---------- */

static napi_value init(napi_env env, napi_value exports) {
  struct env_state *st = (struct env_state *)calloc(1, sizeof *st);
  if (st == NULL) { throw_msg(env, "netsieve_io: out of memory"); return NULL; }
  st->head.next = st->head.prev = &st->head;
  napi_get_uv_event_loop(env, &st->loop);
  napi_set_instance_data(env, st, NULL, NULL);
  napi_add_env_cleanup_hook(env, env_cleanup, st);
  napi_property_descriptor props[] = {
    { "linkInfo", NULL, link_info, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setLinkUp", NULL, set_link_up, NULL, NULL, NULL, napi_enumerable, NULL },
    { "openTun", NULL, open_tun, NULL, NULL, NULL, napi_enumerable, NULL },
    { "openPacket", NULL, open_packet, NULL, NULL, NULL, napi_enumerable, NULL },
    { "recv", NULL, js_recv, NULL, NULL, NULL, napi_enumerable, NULL },
    { "send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL },
    { "poll", NULL, js_poll, NULL, NULL, NULL, napi_enumerable, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL },
    { "stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL },
    { "completeCsum", NULL, js_complete_csum, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
