//! A real SMTP server on loopback for tests, built on the `mailin` SMTP protocol library: it
//! speaks the protocol (EHLO, MAIL FROM, RCPT TO, DATA, QUIT) to whatever client connects and
//! keeps every message it accepts. Plaza's mailer talks to it exactly as it would to a city's
//! mail relay.

use mailin::{Action, Handler, SessionBuilder};
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A running server; it stops with the test process.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Listens on 127.0.0.1 on a free port.
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || serve(stream, store));
            }
        });
        SmtpServer { port, received }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

struct Collector {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    store: Arc<Mutex<Vec<Received>>>,
}

impl Handler for Collector {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin::Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        let message = Received {
            from: self.from.clone(),
            to: self.to.clone(),
            data: String::from_utf8_lossy(&self.data).into_owned(),
        };
        self.store.lock().unwrap().push(message);
        mailin::response::OK
    }
}

fn serve(stream: TcpStream, store: Arc<Mutex<Vec<Received>>>) {
    let peer = stream
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(Ipv4Addr::LOCALHOST.into());
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut session = SessionBuilder::new("plaza-test-smtp").build(
        peer,
        Collector {
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
            store,
        },
    );
    if session.greeting().write_to(&mut writer).is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let response = session.process(&line);
        match response.action {
            Action::Reply => {
                if response.write_to(&mut writer).is_err() {
                    break;
                }
            }
            Action::Close => {
                let _ = response.write_to(&mut writer);
                break;
            }
            Action::NoReply | Action::UpgradeTls => {}
        }
        let _ = writer.flush();
    }
}
